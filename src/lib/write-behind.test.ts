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

test('a part that fails is reported, and what is queued later is still written', async () => {
  const errors: unknown[] = [];
  const written: number[] = [];
  let fail = true;
  const queue = createWriteBehind<number, number>({
    write: async (entries) => {
      if (fail) throw new Error('disk full');
      written.push(...entries);
    },
    onError: (error) => errors.push(error),
  });
  for (let i = 0; i < MAX_ENTRIES_PER_WRITE + 1; i++) queue.add(i, i);
  await queue.flush();
  assert.equal(errors.length, 1);
  fail = false;
  queue.add(7, 7);
  await queue.flush();
  assert.deepEqual(written, [7]);
});
