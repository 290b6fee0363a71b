import fs from 'node:fs';
import path from 'node:path';
import { randomUrlSafe } from './crypto.js';

/**
 * The server key for keyed digests: GITGATE_SECRET_KEY, or DATA/secret.key generated at first start.
 * It lives outside the database so a stolen database cannot even confirm a candidate token.
 */
export function loadSecretKey(dataDir: string, configured: string | null): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'secret.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomUrlSafe(48);
  try {
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return Buffer.from(key, 'utf8');
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(fs.readFileSync(file, 'utf8').trim());
    throw error;
  }
}
