/**
 * Tells whether the database has changed: two equal stamps mean no write was committed in between,
 * by this process or any other. Only SQLite can answer this cheaply (see `sqliteChangeStamp`); on
 * PostgreSQL there is none and nothing is cached.
 */
export type ChangeStamp = () => string;

/**
 * Rows kept in memory only while the database provably has not changed since they were read: every
 * lookup first compares the change stamp, and any committed write anywhere (a revoked token, a
 * suspended user, a last-used time) empties the cache. So an entry can never outlive a revocation,
 * whichever process or instance made it. Bounded: the oldest entries go first.
 */
export function createReadCache<Key, Value>(stamp: ChangeStamp | null, maxEntries = 10_000) {
  const entries = new Map<Key, Value>();
  let readAt = '';
  return async function cached(key: Key, load: () => Promise<Value>): Promise<Value> {
    if (!stamp) return load();
    const before = stamp();
    if (before !== readAt) {
      entries.clear();
      readAt = before;
    }
    if (entries.has(key)) return entries.get(key) as Value;
    const value = await load();
    // Kept only if nothing was committed while it was being read (the load may have yielded).
    if (stamp() === before) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as Key);
      entries.set(key, value);
    }
    return value;
  };
}
