import { createHmac, createSecretKey, hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Keyed digest used for every stored bearer secret (tokens, sessions, setup codes). */
export function hmacSha256(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/**
 * The same keyed digest as `hmacSha256`, hex-encoded, for one key used on every request (token
 * lookups): the key is imported once rather than on each call.
 */
export function hmacSha256HexWith(key: Buffer): (value: string) => string {
  const keyObject = createSecretKey(key);
  return (value) => createHmac('sha256', keyObject).update(value).digest('hex');
}

/**
 * SHA-256, hex-encoded, in one call (no Hash object): ETags, and in-memory lookup keys (a secret is
 * hashed with a per-process pepper there). Never for what is stored: that is `hmacSha256`.
 */
export function sha256Hex(value: string | Buffer): string {
  return hash('sha256', value, 'hex');
}

/**
 * Constant-time equality for secrets and digests; different lengths are simply unequal. Two strings
 * are compared code unit by code unit, with no early exit and nothing allocated (a keep-alive
 * connection's Authorization header is compared with its last one on every request).
 */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a.length !== b.length) return false;
    let difference = 0;
    for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return difference === 0;
  }
  const left = typeof a === 'string' ? Buffer.from(a) : a;
  const right = typeof b === 'string' ? Buffer.from(b) : b;
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** `length` characters drawn uniformly from `alphabet` (randomInt rejects biased draws). */
export function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function randomUrlSafe(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
