import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { createMigrator, migrateToLatest } from '../../src/db/migrations.js';
import { type Dialect, ensureDataDir, openDatabase } from '../../src/db/open-database.js';
import { createServices } from '../../src/domain/services.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createThrowawayDatabase, postgresSkipReason, requirePostgresUrl } from '../helpers/postgres.js';
import { makeTempDir } from './engines.js';

// A database made by an earlier release, upgraded in place: what it held is still there after.
for (const dialect of ['sqlite', 'postgres'] as const satisfies readonly Dialect[]) {
  const skip = dialect === 'postgres' ? postgresSkipReason() : null;
  test(`upgrading a database moves its tokens' last uses into token_last_uses [${dialect}]`, { skip: skip ?? false }, async (t) => {
    const dataDir = makeTempDir('gitgate-upgrade-');
    const throwaway = dialect === 'postgres' ? await createThrowawayDatabase({ baseUrl: requirePostgresUrl() }) : null;
    ensureDataDir(dataDir);
    const database = await openDatabase({ dataDir, databaseUrl: throwaway?.url ?? null });
    t.after(async () => {
      await database.close();
      await throwaway?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const { error } = await createMigrator(database.db, database.dialect).migrateTo('0001_initial');
    assert.ifError(error);

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
    const config = loadConfig({ data: dataDir }, throwaway ? { GITGATE_DATABASE_URL: throwaway.url } : {});
    const services = createServices({
      db: database.db,
      dialect: database.dialect,
      config,
      clock: createManualClock(new Date('2026-03-01T12:00:00.000Z')),
      secretKey: Buffer.from('k'.repeat(48)),
      syncQueries: database.syncQueries,
    });
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
  });
}
