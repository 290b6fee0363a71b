import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';

export interface DataOption {
  data?: string;
}

/** Every command opens the same data directory and database as `serve`, does its work, and closes. */
export async function withRuntime<T>(options: DataOption, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig({ data: options.data }));
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
