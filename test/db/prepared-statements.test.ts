import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { compiledOnce } from '../../src/db/compiled-once.js';
import { createUserStore } from '../../src/domain/accounts/user-store.js';
import { createRepoStore } from '../../src/domain/repos/repo-store.js';
import { postgresSkipReason, requirePostgresUrl } from '../helpers/postgres.js';
import { openEngine } from './engines.js';

const AT = '2026-01-01T00:00:00.000Z';
const userRow = (login: string) =>
  ({ type: 'User', login, lower_login: login, site_admin: 0, notify_token_expiry: 1, email: null, lower_email: null, name: null, password_hash: null, suspended_at: null, created_at: AT, updated_at: AT }) as const;

test('on PostgreSQL, a hot-path query is prepared once per connection and other queries are not', { skip: postgresSkipReason() ?? false }, async (t) => {
  requirePostgresUrl();
  const engine = await openEngine('postgres');
  t.after(() => engine.close());
  const { db } = engine.database;
  await db.insertInto('users').values([userRow('one'), userRow('two')]).execute();
  const byId = compiledOnce(db, (id: number) => db.selectFrom('users').select('login').where('id', '=', id));

  // One connection throughout: PostgreSQL lists only its own session's prepared statements.
  const seen = await db.connection().execute(async (conn) => {
    const run = byId.on(conn);
    const answers = [await run(1), await run(2), await run(1)].map((rows) => rows[0]?.login);
    await conn.selectFrom('users').select('login').where('id', '=', 2).execute(); // not marked: run unnamed
    const prepared = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(conn);
    return { answers, prepared: prepared.rows };
  });
  assert.deepEqual(seen.answers, ['one', 'two', 'one'], 'each run binds its own value');
  assert.equal(seen.prepared.length, 1, `one statement prepared: ${JSON.stringify(seen.prepared)}`);
  assert.match(seen.prepared[0]!.statement, /^\/\* prepared \*\/ select "login" from "users" where "id" = \$1$/);
});

test('on PostgreSQL, the prepared lookups of users and repositories survive a column added under them', { skip: postgresSkipReason() ?? false }, async (t) => {
  requirePostgresUrl();
  const engine = await openEngine('postgres');
  t.after(() => engine.close());
  const { db } = engine.database;
  const { id } = await db.insertInto('users').values(userRow('owner')).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('repos')
    .values({ owner_id: id, name: 'kept', lower_name: 'kept', description: null, private: 0, default_branch: 'main', created_at: AT, updated_at: AT, pushed_at: null })
    .execute();

  // One connection, as a running instance's would be: prepared, then a release's migration adds
  // columns (the upgrade rule stops old instances first; this is what named columns buy anyway).
  const found = await db.connection().execute(async (conn) => {
    const users = createUserStore(conn);
    const repos = createRepoStore(conn);
    const before = [(await users.findByLogin('owner'))?.login, (await repos.findByName('owner', 'kept'))?.fullName];
    await sql`ALTER TABLE users ADD COLUMN added_later text`.execute(conn);
    await sql`ALTER TABLE repos ADD COLUMN added_later text`.execute(conn);
    const after = [(await users.findByLogin('owner'))?.login, (await repos.findByName('owner', 'kept'))?.fullName];
    return { before, after };
  });
  assert.deepEqual(found.before, ['owner', 'owner/kept']);
  assert.deepEqual(found.after, ['owner', 'owner/kept']);
});
