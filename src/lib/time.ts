/**
 * Timestamps are stored as fixed-width ISO 8601 UTC text (`2026-11-26T09:30:00.000Z`) on every
 * database engine: they sort lexicographically, compare portably and need no driver conversion.
 */
export function toDbTime(date: Date): string {
  return dbTimeOf(date.getTime());
}

const DAY_MS = 86_400_000;
/** The last instant a Date holds, either side of 1970. */
const MAX_TIME = 8.64e15;
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
let dayStart = Number.NaN;
let dayPrefix = '';

/**
 * `new Date(ms).toISOString()`, from the UTC day's prefix (`2026-11-26T`, kept while the days
 * match) and the time of day. V8 formats a date through snprintf, ~7k instructions: a token's first
 * use each minute costs two (its last-use time and the minute before), and under cold lookups that is
 * every request. Throws as toISOString does for an invalid time.
 */
export function dbTimeOf(ms: number): string {
  if (!Number.isInteger(ms) || ms > MAX_TIME || ms < -MAX_TIME) return new Date(ms).toISOString();
  let inDay = ms - dayStart;
  if (!(inDay >= 0 && inDay < DAY_MS)) {
    const iso = new Date(ms).toISOString();
    dayStart = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    dayPrefix = iso.slice(0, iso.indexOf('T') + 1);
    inDay = ms - dayStart;
  }
  const millis = inDay % 1000;
  const seconds = (inDay - millis) / 1000;
  return `${dayPrefix}${TWO_DIGITS[(seconds / 3600) | 0]}:${TWO_DIGITS[((seconds / 60) | 0) % 60]}:${TWO_DIGITS[seconds % 60]}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** GitHub's wire form: ISO 8601, seconds precision, `Z`. */
export function toApiTime(value: string | Date): string {
  const iso = typeof value === 'string' ? value : value.toISOString();
  return `${iso.slice(0, 19)}Z`;
}

export function toApiTimeOrNull(value: string | null | undefined): string | null {
  return value ? toApiTime(value) : null;
}

export function fromDbTime(value: string): Date {
  return new Date(value);
}
