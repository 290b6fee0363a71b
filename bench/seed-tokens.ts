import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { checksumOf, isWellFormedToken, lastFourOf, TOKEN_PREFIX } from '../src/domain/tokens/token-format.js';
import { BASE62_ALPHABET } from '../src/lib/base62.js';
import { hmacSha256 } from '../src/lib/crypto.js';
import { loadSecretKey } from '../src/lib/secret-key.js';
import { toDbTime } from '../src/lib/time.js';

/**
 * Real tokens, in token-format's exact shape (30 random base62 characters and their checksum), drawn
 * from randomBytes in bulk: generateToken's one randomInt per character would take ~10 s per million.
 */
export function generateTokens(count: number): string[] {
  const tokens: string[] = new Array(count);
  let pool = randomBytes(0);
  let at = 0;
  for (let i = 0; i < count; i++) {
    let random = '';
    while (random.length < 30) {
      if (at >= pool.length) {
        pool = randomBytes(1 << 20);
        at = 0;
      }
      const byte = pool[at++]!;
      if (byte < 248) random += BASE62_ALPHABET[byte % 62]; // 248 = 4 * 62: no modulo bias
    }
    tokens[i] = `${TOKEN_PREFIX}${random}${checksumOf(random)}`;
  }
  if (count > 0 && !isWellFormedToken(tokens[0]!)) throw new Error('generated tokens do not match token-format');
  return tokens;
}

/**
 * Inserts `count` live tokens for `login` straight into DATA/gitgate.db in one transaction (the server
 * must be stopped), digested exactly as the token service does: HMAC-SHA256 hex under the data
 * directory's secret key. Returns the secrets, for cold lookups.
 */
export function seedTokens(dataDir: string, login: string, count: number): string[] {
  const key = loadSecretKey(dataDir, null);
  const tokens = generateTokens(count);
  const db = new SQLite(path.join(dataDir, 'gitgate.db'));
  try {
    db.pragma('journal_mode = WAL');
    const user = db.prepare('SELECT id FROM users WHERE lower_login = ?').get(login.toLowerCase()) as { id: number } | undefined;
    if (!user) throw new Error(`no user ${login} to own the seeded tokens`);
    const insert = db.prepare(
      `INSERT INTO access_tokens (user_id, note, digest, last_four, scopes, created_at, expires_at)
       VALUES (?, ?, ?, ?, 'repo', ?, NULL)`,
    );
    const now = toDbTime(new Date());
    db.transaction(() => {
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i]!;
        insert.run(user.id, `seed ${i}`, hmacSha256(key, token).toString('hex'), lastFourOf(token), now);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return tokens;
}

/**
 * A data directory holding a copy of `from`'s database and its secret key (its tokens digest the
 * same), made while servers may be using `from`: SQLite's VACUUM INTO reads a consistent snapshot.
 */
export function copyDatabase(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  fs.copyFileSync(path.join(from, 'secret.key'), path.join(to, 'secret.key'));
  const db = new SQLite(path.join(from, 'gitgate.db'), { readonly: true });
  try {
    db.prepare('VACUUM INTO ?').run(path.join(to, 'gitgate.db'));
  } finally {
    db.close();
  }
}
