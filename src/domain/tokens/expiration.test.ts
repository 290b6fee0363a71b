import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY } from '../../lib/clock.js';
import { parseExpirationChoice, resolveExpiration, type TokenTimes, tokenDeadline } from './expiration.js';

const now = new Date('2026-11-26T09:30:00.000Z');
/** The token service's rule: unusable from its deadline on. */
const isTokenExpired = (token: TokenTimes, at: Date, maxLifetimeDays: number | null) => at.getTime() >= tokenDeadline(token, maxLifetimeDays);

test('7, 30, 60 and 90 days mean exactly that many times 24 hours', () => {
  for (const days of [7, 30, 60, 90]) {
    assert.equal(resolveExpiration(parseExpirationChoice(String(days)), now, null)?.getTime(), now.getTime() + days * DAY);
  }
});

test('a custom date expires at the end of that UTC day', () => {
  assert.equal(resolveExpiration({ kind: 'date', date: '2026-12-01' }, now, null)?.toISOString(), '2026-12-01T23:59:59.000Z');
});

test('a custom date must be tomorrow or later and at most 366 days ahead', () => {
  assert.throws(() => resolveExpiration({ kind: 'date', date: '2026-11-26' }, now, null), { code: 'expiration_in_past' });
  assert.throws(() => resolveExpiration({ kind: 'date', date: '2025-01-01' }, now, null), { code: 'expiration_in_past' });
  assert.throws(() => resolveExpiration({ kind: 'date', date: '2027-12-31' }, now, null), { code: 'expiration_too_far' });
  assert.throws(() => resolveExpiration({ kind: 'date', date: '2026-02-30' }, now, null), { code: 'invalid_expiration' });
  assert.ok(resolveExpiration({ kind: 'date', date: '2026-11-27' }, now, null));
});

test('no expiration is allowed unless the site caps token lifetime', () => {
  assert.equal(resolveExpiration({ kind: 'never' }, now, null), null);
  assert.throws(() => resolveExpiration({ kind: 'never' }, now, 30), { code: 'expiration_required' });
});

test('the site cap shortens every longer choice', () => {
  assert.equal(resolveExpiration({ kind: 'days', days: 90 }, now, 30)?.getTime(), now.getTime() + 30 * DAY);
  assert.equal(resolveExpiration({ kind: 'days', days: 7 }, now, 30)?.getTime(), now.getTime() + 7 * DAY);
});

test('a token is expired from its expiry instant on, and when older than the current site cap', () => {
  const token = { created_at: now.toISOString(), regenerated_at: null, expires_at: new Date(now.getTime() + DAY).toISOString() };
  assert.equal(isTokenExpired(token, new Date(now.getTime() + DAY - 1000), null), false);
  assert.equal(isTokenExpired(token, new Date(now.getTime() + DAY), null), true);
  const forever = { ...token, expires_at: null };
  assert.equal(isTokenExpired(forever, new Date(now.getTime() + 400 * DAY), null), false);
  assert.equal(isTokenExpired(forever, new Date(now.getTime() + 31 * DAY), 30), true);
  assert.equal(isTokenExpired(forever, new Date(now.getTime() + 30 * DAY), 30), false, 'exactly as old as the cap: still usable');
  assert.equal(isTokenExpired(forever, new Date(now.getTime() + 30 * DAY + 1), 30), true, 'a millisecond older: not');
  const regenerated = { ...forever, regenerated_at: new Date(now.getTime() + 10 * DAY).toISOString() };
  assert.equal(isTokenExpired(regenerated, new Date(now.getTime() + 31 * DAY), 30), false, 'the cap counts from the regeneration');
  assert.equal(isTokenExpired(token, new Date(now.getTime() + DAY), 400), true, 'the expiry comes first');
});

test('unknown expiration words are refused', () => {
  assert.throws(() => parseExpirationChoice('45'), { code: 'invalid_expiration' });
});
