import { DAY } from '../../lib/clock.js';
import { invalid } from '../../lib/errors.js';

/** What a person picks on the form or the CLI: a number of days, a date, or never. */
export type ExpirationChoice = { kind: 'days'; days: 7 | 30 | 60 | 90 } | { kind: 'date'; date: string } | { kind: 'never' };

export const DEFAULT_EXPIRATION: ExpirationChoice = { kind: 'days', days: 30 };
const MAX_CUSTOM_DAYS = 366;

/** Parses `7|30|60|90|YYYY-MM-DD|never` (the CLI and API form). */
export function parseExpirationChoice(text: string): ExpirationChoice {
  if (text === 'never' || text === 'none') return { kind: 'never' };
  if (text === '7' || text === '30' || text === '60' || text === '90') return { kind: 'days', days: Number(text) as 7 };
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return { kind: 'date', date: text };
  throw invalid('invalid_expiration', 'expiration', `Expiration must be 7, 30, 60, 90, a date (YYYY-MM-DD) or never, got ${text}`);
}

/**
 * Resolves a choice to an instant, applying the site's maximum lifetime. Days are exactly that many
 * 24 hours; a date expires at the end of that UTC day.
 */
export function resolveExpiration(choice: ExpirationChoice, now: Date, maxLifetimeDays: number | null): Date | null {
  let expires: Date | null;
  if (choice.kind === 'never') {
    expires = null;
  } else if (choice.kind === 'days') {
    expires = new Date(now.getTime() + choice.days * DAY);
  } else {
    const day = new Date(`${choice.date}T00:00:00.000Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== choice.date) {
      throw invalid('invalid_expiration', 'expiration', `Not a valid date: ${choice.date}`);
    }
    const today = now.toISOString().slice(0, 10);
    if (choice.date <= today) throw invalid('expiration_in_past', 'expiration', 'The custom expiration date must be tomorrow or later.');
    expires = new Date(day.getTime() + DAY - 1000);
    if (expires.getTime() - now.getTime() > MAX_CUSTOM_DAYS * DAY) {
      throw invalid('expiration_too_far', 'expiration', `The custom expiration date must be at most ${MAX_CUSTOM_DAYS} days ahead.`);
    }
  }
  if (maxLifetimeDays !== null) {
    if (expires === null) {
      throw invalid('expiration_required', 'expiration', `This site requires tokens to expire within ${maxLifetimeDays} days.`);
    }
    const cap = now.getTime() + maxLifetimeDays * DAY;
    if (expires.getTime() > cap) expires = new Date(cap);
  }
  return expires;
}

export type TokenTimes = { expires_at: string | null; created_at: string; regenerated_at: string | null };

/**
 * The first instant (epoch milliseconds) at which the token is no longer usable, Infinity if none:
 * its expiry, or the instant it becomes older than the site's current maximum lifetime. A number,
 * so a token checked on every request is compared, not parsed (see the token service).
 */
export function tokenDeadline(token: TokenTimes, maxLifetimeDays: number | null): number {
  const expires = token.expires_at === null ? Number.POSITIVE_INFINITY : Date.parse(token.expires_at);
  if (maxLifetimeDays === null) return expires;
  // "Older than" the lifetime: usable at exactly issued + lifetime, not a millisecond later.
  const tooOld = Date.parse(token.regenerated_at ?? token.created_at) + maxLifetimeDays * DAY + 1;
  return Math.min(expires, tooOld);
}
