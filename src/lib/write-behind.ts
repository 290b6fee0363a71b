/** How long a queued write may wait before it is written with the others. */
const WRITE_BEHIND_MS = 250;

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
}) {
  const { write, merge = (_queued, next) => next, onError = reportOnStderr } = options;
  let queued = new Map<Key, Entry>();
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
