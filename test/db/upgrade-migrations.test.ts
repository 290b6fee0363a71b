import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrations.js';
import { engineTest } from './engines.js';

// A database made by an earlier release, upgraded in place: what it held is still there after.
engineTest(
  "upgrading a database moves its tokens' last uses into token_last_uses",
  async ({ database, services }) => {
    // As release 0001 wrote them: one token used, one never used.
    await sql`INSERT INTO users (type, login, lower_login, created_at, updated_at)
      VALUES ('User', 'old', 'old', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`.execute(database.db);
    for (const [note, used] of [['used', true], ['unused', false]] as const) {
      await sql`INSERT INTO access_tokens (user_id, note, digest, last_four, scopes, created_at, last_used_at, last_used_ip, last_used_user_agent)
        SELECT id, ${note}, ${`digest-${note}`}, 'abcd', 'repo', '2026-01-01T00:00:00.000Z',
          ${used ? '2026-02-03T04:05:06.000Z' : null}, ${used ? '192.0.2.7' : null}, ${used ? 'git/2.39.5' : null}
        FROM users WHERE login = 'old'`.execute(database.db);
    }

    assert.deepEqual(await migrateToLatest(database.db, database.dialect), ['0002_token_last_uses']);
    const tokens = await services.tokens.listAll({ login: 'old' });
    assert.deepEqual(
      tokens.map((token) => [token.note, token.lastUsedAt, token.lastUsedIp, token.lastUsedUserAgent]),
      [
        ['unused', null, null, null],
        ['used', '2026-02-03T04:05:06.000Z', '192.0.2.7', 'git/2.39.5'],
      ],
    );
    const columns = (await database.db.introspection.getTables()).find((table) => table.name === 'access_tokens')!.columns.map((c) => c.name);
    assert.ok(!columns.includes('last_used_at'), `access_tokens keeps no last-use column: ${columns.join(', ')}`);
  },
  { migrateTo: '0001_initial' },
);
