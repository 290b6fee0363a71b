import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { generateSelfSignedCert } from '../../src/cli/cert-commands.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { User } from '../../src/domain/accounts/user-store.js';
import { parseExpirationChoice } from '../../src/domain/tokens/expiration.js';
import { createManualClock } from '../../src/lib/clock.js';
import { type RunningServer, startServer } from '../../src/server.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  clock: ReturnType<typeof createManualClock>;
  /** Every log line the server wrote, for redaction checks. */
  logs: string[];
  services: RunningServer['runtime']['services'];
  config: Config;
}

export function makeTempDir(prefix = 'gitgate-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Temporary directories for a test file, all removed when the file's tests are done. */
export function tempDirs(prefix: string, after: (fn: () => void) => void): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = makeTempDir(prefix);
    dirs.push(dir);
    return dir;
  };
}

/**
 * Starts the real server on 127.0.0.1 with an ephemeral port, a fresh data directory and a clock
 * the test controls. `env` sets configuration exactly as GITGATE_* variables would.
 */
export async function startTestServer(options: { env?: Record<string, string>; dataDir?: string; https?: { cert: string; key: string } } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeTempDir();
  const env: Record<string, string> = {
    GITGATE_AUTH_THROTTLE: 'off',
    GITGATE_RATE_LIMIT: '100000',
    GITGATE_LOG_LEVEL: 'info',
    ...(process.env.GITGATE_TEST_DATABASE_URL_FOR_SERVER ? { GITGATE_DATABASE_URL: process.env.GITGATE_TEST_DATABASE_URL_FOR_SERVER } : {}),
    ...options.env,
  };
  const config = loadConfig({ host: '127.0.0.1', port: '0', data: dataDir, ...(options.https ? { tlsCert: options.https.cert, tlsKey: options.https.key } : {}) }, env);
  const clock = createManualClock(new Date());
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const server = await startServer(config, { clock, logStream, announce: (line) => logs.push(line) });
  return {
    ...server,
    dataDir,
    clock,
    logs,
    services: server.runtime.services,
    config,
    async close() {
      await server.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A second server on another server's data directory, speaking HTTPS with a fresh self-signed
 * certificate for 127.0.0.1 (`caFile`: for git's GIT_SSL_CAINFO). Closing it removes the certificate.
 */
export async function startTlsTestServer(options: { dataDir: string; env?: Record<string, string> }): Promise<TestServer & { caFile: string }> {
  const sandbox = makeTempDir('gitgate-tls-');
  const generated = generateSelfSignedCert('127.0.0.1');
  const cert = path.join(sandbox, 'cert.pem');
  const key = path.join(sandbox, 'key.pem');
  fs.writeFileSync(cert, generated.cert);
  fs.writeFileSync(key, generated.key);
  const server = await startTestServer({ ...options, https: { cert, key } });
  return {
    ...server,
    caFile: cert,
    async close() {
      await server.close();
      fs.rmSync(sandbox, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A user with a known password; names are unique per process. */
export async function createUser(server: TestServer, options: { login?: string; admin?: boolean; password?: string } = {}): Promise<User & { password: string }> {
  counter += 1;
  const login = options.login ?? `user${process.pid}x${counter}`;
  const password = options.password ?? 'correct horse battery staple';
  const user = await server.services.accounts.createUser(
    { login, email: `${login}@example.com`, password, siteAdmin: options.admin ?? false },
    'cli',
  );
  return { ...user, password };
}

/** A token for a user: the secret and its id. */
export async function createToken(
  server: TestServer,
  user: User,
  options: { scopes?: string[]; note?: string; expires?: string } = {},
): Promise<{ token: string; id: number }> {
  counter += 1;
  const issued = await server.services.tokens.create(
    user,
    { note: options.note ?? `token ${counter}`, scopes: options.scopes ?? [], expiration: parseExpirationChoice(options.expires ?? '30') },
    'cli',
  );
  return { token: issued.token, id: issued.info.id };
}

/** Fails when any captured log line contains one of the secrets. */
export function assertNoSecretsInLogs(server: TestServer, secrets: string[]): void {
  for (const line of server.logs) {
    for (const secret of secrets) {
      if (secret && line.includes(secret)) throw new Error(`a secret appeared in a log line: ${line.replace(secret, '<SECRET>')}`);
    }
  }
}
