import { crc32 } from 'node:zlib';
import { BASE62_ALPHABET, decodeBase62, encodeBase62 } from '../../lib/base62.js';
import { randomString } from '../../lib/crypto.js';

/**
 * `ggp_` + 30 random base62 characters + a 6-character base62 CRC-32 of those 30: GitHub's `ghp_`
 * scheme with our prefix. The checksum lets a malformed or mistyped token be refused before any
 * database access, and lets secret scanners find our tokens with no false positives.
 */
export const TOKEN_PREFIX = 'ggp_';
export const TOKEN_LENGTH = 40;
const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;

/** Matches tokens inside arbitrary text (push protection, secret scanning). */
export const TOKEN_PATTERN = /ggp_[0-9A-Za-z]{36}/g;

const TOKEN_SHAPE = /^ggp_[0-9A-Za-z]{36}$/;

export function generateToken(): string {
  const random = randomString(BASE62_ALPHABET, RANDOM_LENGTH);
  return `${TOKEN_PREFIX}${random}${checksumOf(random)}`;
}

export function checksumOf(random: string): string {
  return encodeBase62(crc32(random) >>> 0, CHECKSUM_LENGTH);
}

/** Format and checksum only; says nothing about whether the token exists. */
export function isWellFormedToken(candidate: string): boolean {
  if (candidate.length !== TOKEN_LENGTH || !TOKEN_SHAPE.test(candidate)) return false;
  const random = candidate.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + RANDOM_LENGTH);
  // Compared as numbers: checking a token (on every authenticated request) builds no checksum string.
  return decodeBase62(candidate, TOKEN_PREFIX.length + RANDOM_LENGTH, TOKEN_LENGTH) === crc32(random) >>> 0;
}

export function lastFourOf(token: string): string {
  return token.slice(-4);
}

/** The only form in which a token may appear in messages: `ggp_...Ab3x`. */
export function redactToken(lastFour: string): string {
  return `${TOKEN_PREFIX}...${lastFour}`;
}
