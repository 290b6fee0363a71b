/** Time comes from a clock so tests can move it instead of sleeping. */
export interface Clock {
  now(): Date;
  /** The same instant as `now()`, in milliseconds since the epoch: no Date is made (hot paths compare times). */
  millis(): number;
}

export const systemClock: Clock = { now: () => new Date(), millis: Date.now };

/** A clock tests control: starts at `start`, moves only when told. */
export function createManualClock(start = new Date()): Clock & { advance(ms: number): void; set(date: Date): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    millis: () => current,
    advance(ms) {
      current += ms;
    },
    set(date) {
      current = date.getTime();
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
