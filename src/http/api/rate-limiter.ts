import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Clock, HOUR } from '../../lib/clock.js';
import { toDbTime } from '../../lib/time.js';

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds when the window ends. */
  reset: number;
  exceeded: boolean;
}

interface Entry {
  window: number;
  /** Requests counted here and not yet written to the database. */
  pending: number;
  /** The total across every instance, as last read from the database. */
  shared: number;
}

/**
 * GitHub's hourly request budget, per user (or per IP for anonymous requests). Counting happens in
 * this process's memory so a request costs no database write; about once a second the increments
 * are added to the shared `counters` table and the totals read back, so instances sum their counts.
 * Limits are therefore approximate across instances (by at most a second of traffic).
 */
export function createRateLimiter(deps: { db: Kysely<Database>; clock: Clock; flushIntervalMs?: number }) {
  const { db, clock } = deps;
  const entries = new Map<string, Entry>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;

  const windowOf = (now: number) => Math.floor(now / HOUR) * HOUR;

  function current(key: string): Entry {
    const window = windowOf(clock.millis());
    let entry = entries.get(key);
    if (!entry || entry.window !== window) {
      entry = { window, pending: 0, shared: 0 };
      if (entries.size > 100_000) dropPastWindows(window);
      entries.set(key, entry);
    }
    return entry;
  }

  /**
   * Budgets of past hours are never written or read again (each hour starts afresh): dropped, with
   * any count of their last second not yet written, which no one would read.
   */
  function dropPastWindows(window: number) {
    for (const [key, entry] of entries) if (entry.window !== window) entries.delete(key);
  }

  const stateOf = (entry: Entry, limit: number, exceeded: boolean): RateLimitState => {
    const used = Math.min(limit, entry.shared + entry.pending);
    return { limit, used, remaining: Math.max(0, limit - used), reset: (entry.window + HOUR) / 1000, exceeded };
  };

  /** Adds `delta` to the shared count of `key` in this window, and reads the total back. */
  async function addAndRead(trx: Kysely<Database>, key: string, windowStart: string, delta: number): Promise<number> {
    if (delta > 0) {
      const row = await trx.selectFrom('counters').selectAll().where('key', '=', key).executeTakeFirst();
      if (!row) {
        await trx
          .insertInto('counters')
          .values({ key, window_start: windowStart, count: delta })
          .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ count: eb('counters.count', '+', delta) })))
          .execute();
      } else if (row.window_start !== windowStart) {
        await trx.updateTable('counters').set({ window_start: windowStart, count: delta }).where('key', '=', key).execute();
      } else {
        await trx.updateTable('counters').set((eb) => ({ count: eb('count', '+', delta) })).where('key', '=', key).execute();
      }
    }
    const row = await trx.selectFrom('counters').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
    return row && row.window_start === windowStart ? Number(row.count) : 0;
  }

  /** Every budget of this window in one transaction: one commit a second, whatever the number of keys. */
  async function flushOnce(): Promise<void> {
    const window = windowOf(clock.millis());
    dropPastWindows(window);
    const live = [...entries].map(([key, entry]) => ({ key, entry, delta: entry.pending }));
    if (live.length === 0) return;
    const windowStart = toDbTime(new Date(window));
    const totals = await db.transaction().execute(async (trx) => {
      const read: number[] = [];
      for (const { key, delta } of live) read.push(await addAndRead(trx, key, windowStart, delta));
      return read;
    });
    live.forEach(({ entry, delta }, i) => {
      entry.pending -= delta;
      entry.shared = totals[i]!;
    });
  }

  return {
    /** Counts one request against `key`; an exceeded budget is not counted further. */
    hit(key: string, limit: number): RateLimitState {
      const entry = current(key);
      if (entry.shared + entry.pending >= limit) return stateOf(entry, limit, true);
      entry.pending += 1;
      return stateOf(entry, limit, false);
    },

    /** The budget without counting a request (GET /rate_limit does not cost anything). */
    peek(key: string, limit: number): RateLimitState {
      return stateOf(current(key), limit, false);
    },

    /** Writes pending counts and reads back the shared totals; one flush at a time. */
    flush(): Promise<void> {
      flushing ??= flushOnce().finally(() => {
        flushing = null;
      });
      return flushing;
    },

    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        this.flush().catch(() => {});
      }, deps.flushIntervalMs ?? 1000);
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await this.flush().catch(() => {});
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

const limiters = new WeakMap<object, RateLimiter>();

/** One limiter per service graph, so REST and GraphQL share one budget. */
export function rateLimiterFor(services: { db: Kysely<Database>; clock: Clock }): RateLimiter {
  let limiter = limiters.get(services);
  if (!limiter) {
    limiter = createRateLimiter({ db: services.db, clock: services.clock });
    limiters.set(services, limiter);
  }
  return limiter;
}
