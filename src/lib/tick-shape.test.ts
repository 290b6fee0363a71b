import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinTickObjectShape } from './tick-shape.js';

test('the pinned record is one of Node’s own nextTick records, and stays the same object', () => {
  const record = pinTickObjectShape();
  assert.ok(record, 'this Node reports its nextTick records to async hooks');
  // Node's record: its callback and arguments, and the two async-id symbols its literal defines
  // first (Node 24 adds its async context after them).
  assert.equal(typeof (record as { callback?: unknown }).callback, 'function');
  assert.ok('args' in record);
  const symbols = Object.getOwnPropertySymbols(record).map((symbol) => symbol.description);
  assert.deepEqual(symbols.slice(0, 2), ['async_id_symbol', 'trigger_async_id_symbol']);
  assert.equal(pinTickObjectShape(), record);
});
