import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BASE62_ALPHABET } from '../../lib/base62.js';
import { checksumOf, generateToken, isWellFormedToken, redactToken, TOKEN_LENGTH } from './token-format.js';

test('a generated token is ggp_ + 36 base62 characters and validates', () => {
  fc.assert(
    fc.property(fc.integer(), () => {
      const token = generateToken();
      assert.equal(token.length, TOKEN_LENGTH);
      assert.match(token, /^ggp_[0-9A-Za-z]{36}$/);
      assert.ok(isWellFormedToken(token));
    }),
    { numRuns: 500 },
  );
});

test('any single-character change to a token is rejected', () => {
  const alphabet = `${BASE62_ALPHABET}_-!`;
  fc.assert(
    fc.property(fc.nat(TOKEN_LENGTH - 1), fc.constantFrom(...alphabet), (position, replacement) => {
      const token = generateToken();
      fc.pre(token[position] !== replacement);
      const changed = token.slice(0, position) + replacement + token.slice(position + 1);
      assert.equal(isWellFormedToken(changed), false);
    }),
    { numRuns: 2000 },
  );
});

test('random strings never validate as tokens', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 0, maxLength: 60 }), (s) => {
      assert.equal(isWellFormedToken(s), false);
    }),
  );
  fc.assert(
    fc.property(fc.stringMatching(/^ggp_[0-9A-Za-z]{36}$/), (s) => {
      // A random well-shaped string passes only if its checksum happens to match (p ~ 2^-32).
      assert.equal(isWellFormedToken(s), checksumOf(s.slice(4, 34)) === s.slice(34));
    }),
  );
});

test('the checksum is CRC-32 (IEEE) of the random part in base62, most significant first, zero-padded', () => {
  // Computed independently (Python's zlib.crc32 of 'a' * 30 = 1807864769, in base62).
  assert.equal(checksumOf('a'.repeat(30)), '1yLcDB');
  assert.ok(isWellFormedToken(`ggp_${'a'.repeat(30)}1yLcDB`));
});

test('a token is only ever shown redacted as ggp_...last4', () => {
  assert.equal(redactToken('Ab3x'), 'ggp_...Ab3x');
});
