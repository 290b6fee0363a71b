import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dbTimeOf, toDbTime } from './time.js';

const MAX_TIME = 8.64e15; // the last instant a Date can hold

test('a database time reads as toISOString does, for any instant a Date can hold', () => {
  fc.assert(
    fc.property(fc.integer({ min: -MAX_TIME, max: MAX_TIME }), (ms) => {
      assert.equal(dbTimeOf(ms), new Date(ms).toISOString());
    }),
    { numRuns: 5000 },
  );
});

test('times near each other, across day and year boundaries, read as toISOString does', () => {
  const edges = [0, -1, 86_399_999, 86_400_000, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(2024, 1, 29, 12), -62_167_219_200_001, 253_402_300_800_000, MAX_TIME, -MAX_TIME];
  for (const edge of edges) {
    for (const step of [-1001, -1, 0, 1, 999, 1000, 59_999, 3_600_000]) {
      const ms = Math.max(-MAX_TIME, Math.min(MAX_TIME, edge + step));
      assert.equal(dbTimeOf(ms), new Date(ms).toISOString(), String(ms));
      assert.equal(toDbTime(new Date(ms)), new Date(ms).toISOString(), String(ms));
    }
  }
});

test('an invalid time throws as toISOString does', () => {
  for (const ms of [Number.NaN, MAX_TIME + 1, Number.POSITIVE_INFINITY, -MAX_TIME - 1]) {
    dbTimeOf(Math.sign(ms) * MAX_TIME || 0); // a day kept just inside the range
    assert.throws(() => dbTimeOf(ms), RangeError);
  }
  assert.equal(dbTimeOf(1.5), new Date(1.5).toISOString());
});
