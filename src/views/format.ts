import { DAY } from '../lib/clock.js';

/** `Mon, Dec 1 2025`: the date form GitHub's token pages use (UTC, so every viewer reads the same day). */
export function formatDate(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  const weekday = date.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
  const month = date.toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${weekday}, ${month} ${date.getUTCDate()} ${date.getUTCFullYear()}`;
}

export function formatDateTime(value: string): string {
  return `${value.slice(0, 10)} ${value.slice(11, 19)} UTC`;
}

/** The token list's words for an expiry. */
export function expiryText(expiresAt: string | null, now: Date): string {
  if (expiresAt === null) return 'This token has no expiration date';
  return `${new Date(expiresAt) <= now ? 'Expired' : 'Expires'} on ${formatDate(expiresAt)}`;
}

/** GitHub's coarse "last used" wording; the exact time sits in a title. */
export function recencyText(lastUsedAt: string | null, now: Date): string {
  if (lastUsedAt === null) return 'Never used';
  const age = now.getTime() - new Date(lastUsedAt).getTime();
  if (age < 7 * DAY) return 'Last used within the last week';
  if (age < 30 * DAY) return 'Last used within the last month';
  if (age < 90 * DAY) return 'Last used within the last 3 months';
  return 'Last used more than 3 months ago';
}
