import { setImmediate } from 'node:timers/promises';

/** How long a queued write may wait before it is written with the others. */
const WRITE_BEHIND_MS = 250;
/**
 * The most entries one write is given. A larger batch is written in parts, with the event loop free
 * between them: SQLite writes synchronously, and 1,400 last-use times of different tokens (a
 * quarter second of a million-token load) held the process for ~50 ms in one transaction.
 */
export const MAX_ENTRIES_PER_WRITE = 100;

/**
 * Bookkeeping writes that no request waits for (a token's last use, counts of failed
 * authentications) are not worth a write transaction each. They are queued by key, merged while
 * queued, and written together every WRITE_BEHIND_MS, off every request's path. `flush()` writes
 * what is queued at once (shutdown, tests). A failed write is reported and dropped: these records
 * are informative, and the next event queues them again.
 */
export function createWriteBehind<Key, Entry>(options: {
  write: (entries: Entry[]) => Promise<void>;
  /** Combines an entry already queued under a key with a new one (default: the new one wins). */
  merge?: (queued: Entry, next: Entry) => Entry;
  /** Told of a failed write (default: one line on stderr; the entries themselves are not shown). */
  onError?: (error: unknown) => void;
  /**
   * The order a batch is written in, when it matters. Rows in key order make each part of a large
   * batch touch its own stretch of the table's B-tree, so the parts rewrite no more of its inner
   * pages than one transaction would.
   */
  order?: (a: Entry, b: Entry) => number;
}) {
  const { write, merge = (_queued, next) => next, onError = reportOnStderr, order } = options;
  let queued = new Map<Key, Entry>();
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (queued.size === 0) return writing;
    const batch = [...queued.values()];
    if (order) batch.sort(order);
    queued = new Map();
    // One batch at a time, batches in the order queued.
    writing = writing.then(() => writeInParts(batch)).catch(onError);
    return writing;
  }

  async function writeInParts(batch: Entry[]): Promise<void> {
    for (let start = 0; start < batch.length; start += MAX_ENTRIES_PER_WRITE) {
      if (start > 0) await setImmediate();
      await write(batch.slice(start, start + MAX_ENTRIES_PER_WRITE));
    }
  }

  return {
    add(key: Key, entry: Entry): void {
      const before = queued.get(key);
      queued.set(key, before === undefined ? entry : merge(before, entry));
      if (!timer) {
        timer = setTimeout(flush, WRITE_BEHIND_MS);
        timer.unref();
      }
    },
    flush,
  };
}

function reportOnStderr(error: unknown): void {
  process.stderr.write(`warning: a queued bookkeeping write failed: ${error instanceof Error ? error.message : String(error)}\n`);
}
