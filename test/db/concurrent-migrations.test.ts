import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { runGitgate } from '../helpers/cli.js';
import { makeTempDir } from './engines.js';
import { createThrowawayDatabase, postgresSkipReason, requirePostgresUrl } from '../helpers/postgres.js';

const INSTANCES = 4;

/** Starts several `gitgate migrate` processes at the same moment on one fresh database. */
async function migrateConcurrently(dataDir: string, databaseUrl: string | null) {
  const env = { GITGATE_DATA: dataDir, GITGATE_DATABASE_URL: databaseUrl ?? undefined };
  const runs = await Promise.all(Array.from({ length: INSTANCES }, () => runGitgate(['migrate'], { env })));
  for (const run of runs) assert.equal(run.code, 0, `a process failed: ${run.stderr}`);
  const database = await openDatabase({ dataDir, databaseUrl });
  try {
    const applied = await database.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
    const tables = await database.db.introspection.getTables();
    return { applied: applied.map((row) => (row as { name: string }).name), tables: tables.map((t) => t.name) };
  } finally {
    await database.close();
  }
}

test('several processes starting at once on one SQLite file migrate it exactly once', async (t) => {
  const dataDir = makeTempDir('gitgate-migrate-');
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { applied, tables } = await migrateConcurrently(dataDir, null);
  assert.deepEqual(applied, ['0001_initial', '0002_token_last_uses']);
  assert.ok(tables.includes('access_tokens'));
  assert.ok(fs.existsSync(path.join(dataDir, 'gitgate.db')));
});

test('several processes starting at once on one PostgreSQL database migrate it exactly once', { skip: postgresSkipReason() ?? false }, async (t) => {
  requirePostgresUrl();
  const dataDir = makeTempDir('gitgate-migrate-');
  const throwaway = await createThrowawayDatabase();
  t.after(async () => {
    await throwaway.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const { applied, tables } = await migrateConcurrently(dataDir, throwaway.url);
  assert.deepEqual(applied, ['0001_initial', '0002_token_last_uses']);
  assert.ok(tables.includes('access_tokens'));
});
