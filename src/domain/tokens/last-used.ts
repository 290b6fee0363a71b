import type { LastUse } from './token-store.js';

/** How long a token's use may wait before it is written with the others. */
export const LAST_USED_FLUSH_MS = 250;

/**
 * A token's last use is shown to its owner ("Last used within the last week"); it is not worth a
 * write transaction per request. Uses are queued (one per token: the latest wins) and written
 * together every LAST_USED_FLUSH_MS, off every request's path. `flush()` writes what is queued at
 * once (shutdown, tests). A failed write is dropped: the next use queues the token again.
 */
export function createLastUsedRecorder(write: (uses: LastUse[]) => Promise<void>, onError: (error: unknown) => void = () => {}) {
  let queued = new Map<number, LastUse>();
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (queued.size === 0) return writing;
    const batch = [...queued.values()];
    queued = new Map();
    // One batch at a time, in the order queued.
    writing = writing.then(() => write(batch)).catch(onError);
    return writing;
  }

  return {
    record(use: LastUse): void {
      queued.set(use.tokenId, use);
      if (!timer) {
        timer = setTimeout(flush, LAST_USED_FLUSH_MS);
        timer.unref();
      }
    },
    flush,
  };
}
