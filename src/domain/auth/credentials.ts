import { TOKEN_PREFIX } from '../tokens/token-format.js';

/** What an Authorization header carries, before anything is looked up. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'password'; login: string; password: string }
  | { kind: 'malformed'; reason: string };

const BASIC_TOKEN_PASSWORDS = new Set(['', 'x-oauth-basic']);

/**
 * Accepts `token T`, `Bearer T` (any case), `Basic base64(anyname:T)` and `Basic base64(T:)` or
 * `base64(T:x-oauth-basic)`. Whatever carries it, a token becomes the same credential, so every
 * form gets the same checks.
 */
export function parseAuthorization(header: string | undefined): Credential {
  if (header === undefined) return { kind: 'none' };
  const trimmed = header.trim();
  if (trimmed === '') return { kind: 'malformed', reason: 'empty Authorization header' };
  const space = trimmed.indexOf(' ');
  if (space < 0) return { kind: 'malformed', reason: 'Authorization header has no credentials' };
  const scheme = trimmed.slice(0, space).toLowerCase();
  const value = trimmed.slice(space + 1).trim();
  if (scheme === 'token' || scheme === 'bearer') {
    return value === '' ? { kind: 'malformed', reason: 'empty token' } : { kind: 'token', token: value };
  }
  if (scheme !== 'basic') return { kind: 'malformed', reason: 'unsupported Authorization scheme' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return { kind: 'malformed', reason: 'Basic credentials are not base64' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed', reason: 'Basic credentials have no colon' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (password.startsWith(TOKEN_PREFIX)) return { kind: 'token', token: password };
  if (username.startsWith(TOKEN_PREFIX) && BASIC_TOKEN_PASSWORDS.has(password)) return { kind: 'token', token: username };
  if (username === '' || password === '') return { kind: 'malformed', reason: 'empty username or password' };
  return { kind: 'password', login: username, password };
}
