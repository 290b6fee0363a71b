import type { Config } from './config.js';
import { ensureDataDir, openDatabase, type OpenDatabase } from './db/open-database.js';
import { migrateToLatest } from './db/migrations.js';
import { createServices, type Services } from './domain/services.js';
import { type Clock, systemClock } from './lib/clock.js';
import { loadSecretKey } from './lib/secret-key.js';

export interface Runtime {
  config: Config;
  database: OpenDatabase;
  services: Services;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  migrate?: boolean;
  scanInBackground?: boolean;
  warn?: (message: string, data: Record<string, unknown>) => void;
}

/**
 * Opens the data directory, the database (migrated unless `migrate: false`) and the secret key; the
 * CLI and the server share it. Closing writes what is queued behind requests, then closes the database.
 */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  ensureDataDir(config.dataDir);
  const secretKey = loadSecretKey(config.dataDir, config.secretKey);
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    if (options.migrate !== false) await migrateToLatest(database.db, database.dialect);
  } catch (error) {
    await database.close();
    throw error;
  }
  const services = createServices({
    db: database.db,
    dialect: database.dialect,
    config,
    clock: options.clock ?? systemClock,
    secretKey,
    changeStamp: database.changeStamp,
    syncQueries: database.syncQueries,
    scanInBackground: options.scanInBackground,
    warn: options.warn,
  });
  return {
    config,
    database,
    services,
    async close() {
      await services.flushPendingWrites();
      await database.close();
    },
  };
}
