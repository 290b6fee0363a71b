/**
 * Tells whether the database has changed: two equal stamps mean no write was committed in between,
 * by this process or any other. Only SQLite can answer this cheaply (its WAL-index header, see
 * wal-index-stamp.ts); on PostgreSQL there is none and nothing is cached.
 */
export type ChangeStamp = () => string;

/**
 * One request's reading of the change stamp. Its first cached lookup reads the stamp; its other
 * lookups reuse that reading while their cache holds what was current at it, so a request that
 * consults two caches (a token and a repository) reads the stamp once. Sound, because the reading
 * was taken during the request: the request sees the database as it was then, as if it had made
 * all its reads at that moment, and no request that starts after a commit can reuse it.
 */
export interface StampReading {
  value?: string;
}

/**
 * Rows kept in memory only while the database provably has not changed since they were read: every
 * lookup first compares the change stamp, and any committed write anywhere (a revoked token, a
 * suspended user, a last-used time) empties the cache. So an entry can never outlive a revocation,
 * whichever process or instance made it. Bounded: the oldest entries go first.
 */
export function createReadCache<Key, Value>(stamp: ChangeStamp | null, maxEntries = 10_000) {
  const entries = new Map<Key, Value>();
  let readAt = '';
  // A hit is answered as a plain value, not a promise: the hot path of an authenticated request
  // (a token held in memory) then runs to its end without a turn of the microtask queue.
  return function cached(key: Key, load: () => MaybeAsync<Value>, reading?: StampReading): MaybeAsync<Value> {
    if (!stamp) return load();
    let before: string;
    if (reading?.value !== undefined && reading.value === readAt) before = readAt;
    else {
      before = stamp();
      if (reading) reading.value = before;
    }
    if (before !== readAt) {
      entries.clear();
      readAt = before;
    }
    // One lookup for a hit (`has` is asked only when `get` finds nothing: a value may be undefined).
    const hit = entries.get(key);
    if (hit !== undefined || entries.has(key)) return hit as Value;
    // A value read after `before` is at least as new as the state `before` names, so it may be
    // kept under it: a later commit changes the stamp and empties the cache. Unless a call made
    // while the load was waiting already moved the cache on to a newer stamp: then the value may
    // be older than what the cache now holds, and it is not kept. (A load answered at once cannot
    // have been overtaken.)
    const keep = (value: Value) => {
      if (readAt === before) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as Key);
        entries.set(key, value);
      }
      return value;
    };
    return whenReady(load(), keep);
  };
}

/** A value, or a promise of it when it had to be waited for (see createReadCache). */
export type MaybeAsync<T> = T | Promise<T>;

/**
 * `next(value, arg)`: at once for a plain value, once it settles for a promise. The argument is
 * passed through rather than captured, so the plain path (a token held in memory) makes no closure.
 */
export function whenReady<T, U, A = undefined>(value: MaybeAsync<T>, next: (value: T, arg: A) => U, arg?: A): MaybeAsync<U> {
  return value instanceof Promise ? value.then((settled) => next(settled, arg as A)) : next(value, arg as A);
}
