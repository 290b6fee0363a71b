import path from 'node:path';

/**
 * The only reader of process.env. Flags win over environment variables, which win over defaults.
 * Every problem is collected and reported at once, one line each.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  baseUrl: string;
  /** False when baseUrl was derived from host and port (and so follows the port actually bound). */
  baseUrlConfigured: boolean;
  tlsCert: string | null;
  tlsKey: string | null;
  trustProxy: boolean;
  databaseUrl: string | null;
  secretKey: string | null;
  passwordAuth: boolean;
  openSignup: boolean;
  tokenMaxLifetimeDays: number | null;
  authThrottle: { limit: number; windowMs: number } | null;
  rateLimitPerHour: number | null;
  anonymousRateLimitPerHour: number;
  maxPushBytes: number;
  pushProtection: boolean;
  scanMaxBlobBytes: number;
  /** Disk kept for answers to clones and fetches (src/git/pack-answer-cache.ts); 0: none kept. */
  packCacheBytes: number;
  smtpUrl: string | null;
  mailFrom: string | null;
  debug: boolean;
  logLevel: string;
}

export interface ConfigFlags {
  host?: string;
  port?: string;
  data?: string;
  baseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  trustProxy?: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const problems: string[] = [];
  const pick = (flag: string | undefined, name: string) => (flag !== undefined ? flag : nonEmpty(env[name]));

  const host = pick(flags.host, 'GITGATE_HOST') ?? '127.0.0.1';
  const portText = pick(flags.port, 'GITGATE_PORT') ?? '3000';
  const port = parseInteger(portText);
  const portValid = port !== null && port >= 0 && port <= 65535;
  if (!portValid) {
    problems.push(`${flags.port !== undefined ? '--port' : 'GITGATE_PORT'} must be 1-65535, got ${portText}`);
  }
  const dataDir = path.resolve(pick(flags.data, 'GITGATE_DATA') ?? './data');

  const tlsCert = pick(flags.tlsCert, 'GITGATE_TLS_CERT') ?? null;
  const tlsKey = pick(flags.tlsKey, 'GITGATE_TLS_KEY') ?? null;
  if ((tlsCert === null) !== (tlsKey === null)) problems.push('--tls-cert and --tls-key must be given together');

  const scheme = tlsCert ? 'https' : 'http';
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const baseUrlText = pick(flags.baseUrl, 'GITGATE_BASE_URL') ?? `${scheme}://${hostForUrl}:${portValid ? port : 3000}`;
  let baseUrl = baseUrlText.replace(/\/+$/, '');
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    if (url.search || url.hash) throw new Error('query');
  } catch {
    problems.push(`--base-url must be an http(s) URL without query, got ${baseUrlText}`);
    baseUrl = 'http://127.0.0.1:3000';
  }

  const trustProxy = flags.trustProxy ?? parseBool(env.GITGATE_TRUST_PROXY, 'GITGATE_TRUST_PROXY', false, problems);

  const databaseUrl = nonEmpty(env.GITGATE_DATABASE_URL) ?? null;
  if (databaseUrl && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    problems.push('GITGATE_DATABASE_URL must start with postgres:// or postgresql:// (unset it for SQLite)');
  }

  const secretKey = nonEmpty(env.GITGATE_SECRET_KEY) ?? null;
  if (secretKey !== null && secretKey.length < 32) {
    problems.push(`GITGATE_SECRET_KEY must be at least 32 characters, got ${secretKey.length}`);
  }

  const maxLifetimeText = nonEmpty(env.GITGATE_TOKEN_MAX_LIFETIME_DAYS);
  let tokenMaxLifetimeDays: number | null = null;
  if (maxLifetimeText !== undefined) {
    tokenMaxLifetimeDays = parseInteger(maxLifetimeText);
    if (tokenMaxLifetimeDays === null || tokenMaxLifetimeDays < 1) {
      problems.push(`GITGATE_TOKEN_MAX_LIFETIME_DAYS must be a whole number of days >= 1, got ${maxLifetimeText}`);
    }
  }

  const authThrottle = parseThrottle(nonEmpty(env.GITGATE_AUTH_THROTTLE) ?? '10/5m', problems);

  const rateText = nonEmpty(env.GITGATE_RATE_LIMIT) ?? '5000';
  let rateLimitPerHour: number | null = null;
  if (rateText !== 'off') {
    rateLimitPerHour = parseInteger(rateText);
    if (rateLimitPerHour === null || rateLimitPerHour < 1) problems.push(`GITGATE_RATE_LIMIT must be a number or off, got ${rateText}`);
  }

  const maxPushBytes = parseSize(env.GITGATE_MAX_PUSH_BYTES, 'GITGATE_MAX_PUSH_BYTES', 2 * 1024 ** 3, problems);
  const scanMaxBlobBytes = parseSize(env.GITGATE_SCAN_MAX_BLOB_BYTES, 'GITGATE_SCAN_MAX_BLOB_BYTES', 1024 ** 2, problems);
  const packCacheText = nonEmpty(env.GITGATE_PACK_CACHE_BYTES) ?? String(1024 ** 3);
  const packCacheBytes = packCacheText === 'off' ? 0 : parseInteger(packCacheText);
  if (packCacheBytes === null) problems.push(`GITGATE_PACK_CACHE_BYTES must be a number of bytes or off, got ${packCacheText}`);
  const pushProtectionText = nonEmpty(env.GITGATE_PUSH_PROTECTION) ?? 'on';
  if (!['on', 'off', 'true', 'false'].includes(pushProtectionText)) {
    problems.push(`GITGATE_PUSH_PROTECTION must be on or off, got ${pushProtectionText}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port: port ?? 3000,
    dataDir,
    baseUrl,
    baseUrlConfigured: pick(flags.baseUrl, 'GITGATE_BASE_URL') !== undefined,
    tlsCert,
    tlsKey,
    trustProxy,
    databaseUrl,
    secretKey,
    passwordAuth: parseBool(env.GITGATE_PASSWORD_AUTH, 'GITGATE_PASSWORD_AUTH', false, problems),
    openSignup: parseBool(env.GITGATE_OPEN_SIGNUP, 'GITGATE_OPEN_SIGNUP', false, problems),
    tokenMaxLifetimeDays,
    authThrottle,
    rateLimitPerHour,
    anonymousRateLimitPerHour: 60,
    maxPushBytes,
    pushProtection: pushProtectionText === 'on' || pushProtectionText === 'true',
    scanMaxBlobBytes,
    packCacheBytes: packCacheBytes ?? 0,
    smtpUrl: nonEmpty(env.GITGATE_SMTP_URL) ?? null,
    mailFrom: nonEmpty(env.GITGATE_MAIL_FROM) ?? null,
    debug: env.GITGATE_DEBUG === '1',
    logLevel: nonEmpty(env.GITGATE_LOG_LEVEL) ?? 'info',
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function parseInteger(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

function parseBool(text: string | undefined, name: string, fallback: boolean, problems: string[]): boolean {
  const value = nonEmpty(text);
  if (value === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no', 'off'].includes(value.toLowerCase())) return false;
  problems.push(`${name} must be true or false, got ${value}`);
  return fallback;
}

function parseSize(text: string | undefined, name: string, fallback: number, problems: string[]): number {
  const value = nonEmpty(text);
  if (value === undefined) return fallback;
  const n = parseInteger(value);
  if (n === null || n < 1) {
    problems.push(`${name} must be a positive number of bytes, got ${value}`);
    return fallback;
  }
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `10/5m` = ten failures per five minutes; `off` disables. */
function parseThrottle(text: string, problems: string[]): Config['authThrottle'] {
  if (text === 'off') return null;
  const match = /^(\d+)\/(\d+)([smh])$/.exec(text);
  if (!match) {
    problems.push(`GITGATE_AUTH_THROTTLE must look like 10/5m or be off, got ${text}`);
    return null;
  }
  return { limit: Number(match[1]), windowMs: Number(match[2]) * UNIT_MS[match[3]!]! };
}
