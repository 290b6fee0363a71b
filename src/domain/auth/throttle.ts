import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { toDbTime } from '../../lib/time.js';

export interface ThrottleLimit {
  limit: number;
  windowMs: number;
}

/** Seconds until the caller may try again, or 0 when not throttled. */
export type RetryAfter = number;

/**
 * Invalid tokens, counted per IP in this process's memory: a flood of garbage must stay cheap (no
 * database write per bad request). A valid token is never refused by it. Each instance throttles on
 * its own, on purpose.
 */
export function createInvalidTokenThrottle(clock: Clock, limit: ThrottleLimit | null) {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (ip: string) => {
    const now = clock.millis();
    const entry = windows.get(ip);
    if (!entry || now - entry.start >= limit!.windowMs) return { start: now, count: 0, now };
    return { ...entry, now };
  };
  return {
    retryAfter(ip: string): RetryAfter {
      if (!limit) return 0;
      const entry = current(ip);
      return entry.count >= limit.limit ? Math.ceil((entry.start + limit.windowMs - entry.now) / 1000) : 0;
    },
    /** Counts one failure; returns whether the IP is now over the limit. */
    recordFailure(ip: string): boolean {
      if (!limit) return false;
      const entry = current(ip);
      if (windows.size > 100_000) windows.clear(); // bounded memory under a spray of source addresses
      windows.set(ip, { start: entry.start, count: entry.count + 1 });
      return entry.count + 1 > limit.limit;
    },
  };
}

/**
 * Password failures, counted in the database so every instance sees them: per (IP, account) at the
 * configured limit, and per account across all IPs at ten times that, so one attacker cannot lock a
 * user out from everywhere.
 */
export function createPasswordThrottle(db: Kysely<Database>, clock: Clock, limit: ThrottleLimit | null) {
  const keysFor = (ip: string, account: string) => [
    { key: `pw:${ip}:${account.toLowerCase()}`, limit: limit?.limit ?? 0 },
    { key: `pw:*:${account.toLowerCase()}`, limit: (limit?.limit ?? 0) * 10 },
  ];

  return {
    async retryAfter(ip: string, account: string): Promise<RetryAfter> {
      if (!limit) return 0;
      const now = clock.millis();
      const keys = keysFor(ip, account);
      const rows = await db.selectFrom('counters').selectAll().where('key', 'in', keys.map((k) => k.key)).execute();
      let wait = 0;
      for (const row of rows) {
        const start = new Date(row.window_start).getTime();
        const max = keys.find((k) => k.key === row.key)!.limit;
        if (now - start < limit.windowMs && row.count >= max) wait = Math.max(wait, Math.ceil((start + limit.windowMs - now) / 1000));
      }
      return wait;
    },
    async recordFailure(ip: string, account: string): Promise<void> {
      if (!limit) return;
      const now = clock.now();
      const windowFloor = toDbTime(new Date(now.getTime() - limit.windowMs));
      for (const { key } of keysFor(ip, account)) {
        await db.transaction().execute(async (trx) => {
          const row = await trx.selectFrom('counters').selectAll().where('key', '=', key).executeTakeFirst();
          if (!row) {
            await trx
              .insertInto('counters')
              .values({ key, window_start: toDbTime(now), count: 1 })
              .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ count: eb('counters.count', '+', 1) })))
              .execute();
          } else if (row.window_start <= windowFloor) {
            await trx.updateTable('counters').set({ window_start: toDbTime(now), count: 1 }).where('key', '=', key).execute();
          } else {
            await trx.updateTable('counters').set((eb) => ({ count: eb('count', '+', 1) })).where('key', '=', key).execute();
          }
        });
      }
    },
  };
}
