import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWriteBehind, MAX_ENTRIES_PER_WRITE } from './write-behind.js';

test('a large batch is written in parts, in the given order, with the event loop free between them', async () => {
  const events: string[] = [];
  const writes: number[][] = [];
  const queue = createWriteBehind<number, number>({
    write: async (entries) => {
      writes.push(entries);
      events.push(`part of ${entries.length}`);
    },
    order: (a, b) => a - b,
  });
  const count = 2 * MAX_ENTRIES_PER_WRITE + 50;
  for (let i = count; i >= 1; i--) queue.add(i, i);
  const flushed = queue.flush();
  setImmediate(() => events.push('other work'));
  await flushed;
  assert.deepEqual(writes.map((part) => part.length), [MAX_ENTRIES_PER_WRITE, MAX_ENTRIES_PER_WRITE, 50]);
  assert.deepEqual(writes.flat(), Array.from({ length: count }, (_, i) => i + 1), 'every entry once, in order');
  assert.ok(events.indexOf('other work') > 0 && events.indexOf('other work') < events.length - 1, `other work ran between parts: ${events.join(', ')}`);
});

test('a part that fails is reported, and its entries are written by the next write, merged with those queued since', async () => {
  const errors: unknown[] = [];
  const written: [string, number][][] = [];
  let fail = true;
  const queue = createWriteBehind<string, [string, number]>({
    write: async (entries) => {
      if (fail) throw new Error('database is locked');
      written.push(entries);
    },
    merge: ([key, queued], [, next]) => [key, queued + next],
    onError: (error) => errors.push(error),
    order: ([a], [b]) => a.localeCompare(b),
  });
  const keys = Array.from({ length: MAX_ENTRIES_PER_WRITE + 1 }, (_, i) => `k${String(i).padStart(3, '0')}`);
  for (const key of keys) queue.add(key, [key, 1]);
  await queue.flush();
  assert.equal(errors.length, 1, 'the failure is reported once');
  assert.deepEqual(written, [], 'nothing was written');

  fail = false;
  queue.add('k000', ['k000', 5]);
  queue.add('new', ['new', 1]);
  await queue.flush();
  const rows = new Map(written.flat());
  assert.equal(rows.size, keys.length + 1, 'every entry of the failed batch, and the new one');
  assert.equal(rows.get('k000'), 6, 'a count queued since is added to the one not written');
  assert.equal(rows.get(keys.at(-1)!), 1);
  assert.equal(rows.get('new'), 1);
  assert.equal(errors.length, 1);
});

test('a failed write is tried again on its own after a pause', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const written: number[] = [];
  let fail = true;
  const queue = createWriteBehind<number, number>({
    write: async (entries) => {
      if (fail) throw new Error('database is locked');
      written.push(...entries);
    },
    onError: () => {},
  });
  queue.add(1, 1);
  t.mock.timers.tick(250);
  await queue.flush();
  fail = false;
  t.mock.timers.tick(999);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, [], 'not before the pause');
  t.mock.timers.tick(1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, [1], 'written by the retry itself');
});
