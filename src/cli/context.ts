import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';

export interface DataOption {
  data?: string;
}

/**
 * Every command opens the same data directory and database as `serve`, does its work, and closes.
 * The database is migrated first unless `migrate: false` (the `migrate` command does it itself).
 */
export async function withRuntime<T>(options: DataOption & { migrate?: boolean }, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig({ data: options.data }), { migrate: options.migrate });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
