export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `value` in base62 (digits, upper, lower), most significant first, left-padded with `0` to `width`. */
export function encodeBase62(value: number, width: number): string {
  let n = value;
  let out = '';
  do {
    out = BASE62_ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

/** The number that `text` spells in base62 from `start` to `end` (as encodeBase62 writes it), or -1 if a character is not base62. */
export function decodeBase62(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = digitOf(text.charCodeAt(i));
    if (digit < 0) return -1;
    n = n * 62 + digit;
  }
  return n;
}

function digitOf(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 90) return code - 55; // A-Z: 10-35
  if (code >= 97 && code <= 122) return code - 61; // a-z: 36-61
  return -1;
}
