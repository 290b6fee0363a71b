import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createMigrator, migrateToLatest } from '../../src/db/migrations.js';
import { type Dialect, ensureDataDir, type OpenDatabase, openDatabase } from '../../src/db/open-database.js';
import { createServices, type Services } from '../../src/domain/services.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createThrowawayDatabase, postgresSkipReason, requirePostgresUrl } from '../helpers/postgres.js';

/** Kept here rather than imported from helpers/server.ts, so database tests load no HTTP code. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface EngineContext {
  dialect: Dialect;
  database: OpenDatabase;
  services: Services;
  clock: ReturnType<typeof createManualClock>;
  dataDir: string;
  /** The PostgreSQL URL of this test's own database (null on SQLite). */
  databaseUrl: string | null;
}

export interface EngineOptions {
  env?: Record<string, string>;
  /** Migrate only up to this migration (an earlier release's schema), not to the latest. */
  migrateTo?: string;
}

/** Opens a fresh, migrated database of the engine with the whole domain wired on it. */
export async function openEngine(dialect: Dialect, options: EngineOptions = {}): Promise<EngineContext & { close(): Promise<void> }> {
  const dataDir = makeTempDir('gitgate-db-');
  const throwaway = dialect === 'postgres' ? await createThrowawayDatabase({ baseUrl: requirePostgresUrl() }) : null;
  const config = loadConfig({ data: dataDir }, { GITGATE_AUTH_THROTTLE: 'off', ...options.env, ...(throwaway ? { GITGATE_DATABASE_URL: throwaway.url } : {}) });
  ensureDataDir(dataDir);
  const database = await openDatabase({ dataDir, databaseUrl: config.databaseUrl });
  if (options.migrateTo === undefined) await migrateToLatest(database.db, database.dialect);
  else {
    const { error } = await createMigrator(database.db, database.dialect).migrateTo(options.migrateTo);
    if (error) throw error;
  }
  const clock = createManualClock(new Date('2026-03-01T12:00:00.000Z'));
  const services = createServices({ db: database.db, dialect: database.dialect, config, clock, secretKey: Buffer.from('k'.repeat(48)), syncQueries: database.syncQueries });
  return {
    dialect,
    database,
    services,
    clock,
    dataDir,
    databaseUrl: throwaway?.url ?? null,
    // As the runtime closes: what is queued behind requests (last uses) is written first, not left
    // to fail against a closed database.
    async close() {
      await services.flushPendingWrites();
      await database.close();
      await throwaway?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers one test per engine: `title [sqlite]` always, `title [postgres]` when
 * GITGATE_TEST_DATABASE_URL is set (skipped loudly otherwise, failing under GITGATE_REQUIRE_POSTGRES=1).
 */
export function engineTest(title: string, fn: (ctx: EngineContext) => Promise<void>, options: EngineOptions = {}): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const skip = dialect === 'postgres' ? postgresSkipReason() : null;
    test(`${title} [${dialect}]`, { skip: skip ?? false }, async (t) => {
      const ctx = await openEngine(dialect, options);
      t.after(() => ctx.close());
      await fn(ctx);
    });
  }
}
