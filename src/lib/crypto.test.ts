import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeEqual } from './crypto.js';

test('safeEqual tells equal secrets from unequal ones, as strings or as bytes', () => {
  const token = 'ggp_0123456789abcdefghijABCDEFGHIJ012345';
  assert.equal(safeEqual(token, `${token}`), true);
  assert.equal(safeEqual(token, `${token.slice(0, -1)}6`), false, 'the last character differs');
  assert.equal(safeEqual(token, `x${token.slice(1)}`), false, 'the first character differs');
  assert.equal(safeEqual(token, token.slice(0, -1)), false, 'a prefix');
  assert.equal(safeEqual('', ''), true);
  // Lone surrogates both encode to U+FFFD as bytes: as strings they are still different.
  assert.equal(safeEqual('a\ud800', 'a\udc00'), false);
  assert.equal(safeEqual(Buffer.from(token), token), true);
  assert.equal(safeEqual(Buffer.from(token), `${token}x`), false);
});
