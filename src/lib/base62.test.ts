import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBase62, encodeBase62 } from './base62.js';

test('decoding reads back what encoding wrote, for every 32-bit value', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
      const text = `x${encodeBase62(value, 6)}y`;
      assert.equal(decodeBase62(text, 1, 7), value);
    }),
  );
  assert.equal(decodeBase62('zzzzzz', 0, 6), 62 ** 6 - 1);
});

test('a character outside the base62 alphabet decodes to -1', () => {
  for (const text of ['00-000', '00_000', '00 000', 'é00000', '00000/', '00000:', '@00000', '[00000', '`00000', '{00000']) {
    assert.equal(decodeBase62(text, 0, 6), -1, text);
  }
});
