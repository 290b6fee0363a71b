import { setImmediate } from 'node:timers/promises';
import { messageOf } from './errors.js';

/** How long a queued write may wait before it is written with the others. */
const WRITE_BEHIND_MS = 250;
/**
 * The most entries one write is given. A larger batch is written in parts, with the event loop free
 * between them: SQLite writes synchronously, and 1,400 last-use times of different tokens (a
 * quarter second of a million-token load) held the process for ~50 ms in one transaction.
 */
export const MAX_ENTRIES_PER_WRITE = 100;
/** After a failed write, the next try waits this long, doubled per failure in a row up to the cap. */
const RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;
/**
 * The most keys kept queued while writes fail (a database that stays locked or full). Past it, the
 * entries of a failed part are dropped, and the report says how many: memory stays bounded under a
 * flood of failed authentications from many addresses.
 */
const MAX_QUEUED_KEYS = 100_000;

/**
 * Bookkeeping writes that no request waits for (a token's last use, counts of failed
 * authentications) are not worth a write transaction each. They are queued by key, merged while
 * queued, and written together every WRITE_BEHIND_MS, off every request's path. `flush()` writes
 * what is queued at once (shutdown, tests). A failed write is reported, and its entries go back
 * into the queue (merged with any queued since) to be tried again after a pause: a database locked
 * for a while by another process loses no count and no last-use time.
 */
export function createWriteBehind<Key, Entry>(options: {
  write: (entries: Entry[]) => Promise<void>;
  /** Combines an entry already queued under a key with a newer one (default: the newer one wins). */
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
  let failuresInARow = 0;

  function schedule(ms: number) {
    if (timer) return;
    timer = setTimeout(flush, ms);
    timer.unref();
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (queued.size === 0) return writing;
    const batch = [...queued];
    if (order) batch.sort(([, a], [, b]) => order(a, b));
    queued = new Map();
    // One batch at a time, batches in the order queued. writeInParts reports its own failures; the
    // catch keeps an unexpected throw (a merge, say) from leaving the chain rejected for good.
    writing = writing.then(() => writeInParts(batch)).catch(onError);
    return writing;
  }

  async function writeInParts(batch: [Key, Entry][]): Promise<void> {
    for (let start = 0; start < batch.length; start += MAX_ENTRIES_PER_WRITE) {
      if (start > 0) await setImmediate();
      try {
        await write(batch.slice(start, start + MAX_ENTRIES_PER_WRITE).map(([, entry]) => entry));
      } catch (error) {
        onError(error);
        requeue(batch.slice(start));
        return;
      }
    }
    failuresInARow = 0;
  }

  /** Puts entries that were not written back in front of what was queued since. */
  function requeue(unwritten: [Key, Entry][]) {
    const newer = queued;
    queued = new Map();
    let dropped = 0;
    for (const [key, entry] of unwritten) {
      const since = newer.get(key);
      if (since !== undefined) {
        queued.set(key, merge(entry, since));
        newer.delete(key);
      } else if (newer.size + queued.size < MAX_QUEUED_KEYS) queued.set(key, entry);
      else dropped++;
    }
    for (const [key, entry] of newer) queued.set(key, entry);
    if (dropped > 0) onError(new Error(`${dropped} queued bookkeeping entries were dropped after failed writes`));
    failuresInARow++;
    // The pause wins over a write that new entries scheduled meanwhile.
    if (timer) clearTimeout(timer);
    timer = null;
    schedule(Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (failuresInARow - 1)));
  }

  return {
    add(key: Key, entry: Entry): void {
      const before = queued.get(key);
      queued.set(key, before === undefined ? entry : merge(before, entry));
      schedule(WRITE_BEHIND_MS);
    },
    flush,
  };
}

function reportOnStderr(error: unknown): void {
  process.stderr.write(`warning: a queued bookkeeping write failed: ${messageOf(error)}\n`);
}
