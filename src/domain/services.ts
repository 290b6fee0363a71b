import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Dialect, SyncQueries } from '../db/open-database.js';
import type { ChangeStamp } from '../db/read-cache.js';
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import { createRepoStorage } from '../git/repo-storage.js';
import { createAccountService } from './accounts/account-service.js';
import { createUserStore } from './accounts/user-store.js';
import { createAuditLog } from './audit/audit-log.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createSessionService } from './auth/session-service.js';
import { createSetupCodes } from './auth/setup-code.js';
import { createInvalidTokenThrottle, createPasswordThrottle } from './auth/throttle.js';
import { createLeakService } from './leaks/leak-service.js';
import { createOrgService } from './orgs/org-service.js';
import { createRepoService } from './repos/repo-service.js';
import { createMailer } from './notifications/mailer.js';
import { createTokenNotices } from './notifications/token-notices.js';
import { createTokenService } from './tokens/token-service.js';

export interface ServiceDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  config: Config;
  clock: Clock;
  secretKey: Buffer;
  /** SQLite's change stamp (see read-cache.ts); hot lookups are then served from memory. */
  changeStamp?: ChangeStamp | null;
  /** SQLite's synchronous queries (see open-database.ts): the token lookup then needs no promise. */
  syncQueries?: SyncQueries | null;
  /** The server scans a repository made public in the background; the CLI waits for the scan. */
  scanInBackground?: boolean;
  warn?: (message: string, data: Record<string, unknown>) => void;
}

/** Where domain warnings go when no log is given (the CLI; the server before its log exists). */
export function warnOnStderr(message: string, data: Record<string, unknown>): void {
  process.stderr.write(`warning: ${message} ${JSON.stringify(data)}\n`);
}

/** Every domain service, wired by hand: the CLI and the HTTP server share this one graph. */
export function createServices(deps: ServiceDeps) {
  const { db, config, clock, secretKey } = deps;
  const warn = deps.warn ?? warnOnStderr;
  const audit = createAuditLog(clock);
  // One store of accounts for every service: accounts by login are answered from memory while the
  // database is unchanged (see createUserStore).
  const users = createUserStore(db, deps.changeStamp ?? null);
  const accounts = createAccountService({ db, clock, audit, users });
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom });
  const notices = createTokenNotices({ db, clock, mailer, baseUrl: () => config.baseUrl });
  const tokens = createTokenService({
    db,
    clock,
    audit,
    secretKey,
    maxLifetimeDays: config.tokenMaxLifetimeDays,
    changeStamp: deps.changeStamp,
    syncQueries: deps.syncQueries,
    // Mail goes out after the commit, off the caller's path: a slow mail server never blocks a token.
    onIssued: (owner, info, regenerated) => {
      notices.tokenIssued(owner, info, regenerated).catch(() => {});
    },
  });
  const passwordThrottle = createPasswordThrottle(db, clock, config.authThrottle);
  const authenticator = createAuthenticator({
    db,
    tokens,
    accounts,
    audit,
    invalidTokens: createInvalidTokenThrottle(clock, config.authThrottle),
    passwords: passwordThrottle,
    passwordAuth: config.passwordAuth,
  });
  const storage = createRepoStorage(config.dataDir);
  const leaks = createLeakService({
    db,
    tokens,
    audit,
    notices,
    baseUrl: () => config.baseUrl,
    maxBlobBytes: config.scanMaxBlobBytes,
    warn,
  });
  const repos = createRepoService({
    db,
    clock,
    audit,
    storage,
    changeStamp: deps.changeStamp,
    users,
    // A repository made public is scanned once; live tokens found in its history are revoked.
    onMadePublic: async (repo) => {
      const scan = leaks.revokeExposedTokens(repo, storage.pathOf(repo.owner, repo.name));
      if (deps.scanInBackground) scan.catch((error) => warn('exposed-token scan failed', { repo: repo.fullName, error: String(error) }));
      else await scan;
    },
  });
  return {
    ...deps,
    audit,
    accounts,
    tokens,
    mailer,
    notices,
    authenticator,
    passwordThrottle,
    sessions: createSessionService({ db, clock, secretKey, users }),
    setup: createSetupCodes({ db, clock, secretKey, accounts }),
    repos,
    leaks,
    orgs: createOrgService({ db, clock, audit, users }),
    /** Writes what is queued behind requests (last-used times, failure counts): before closing the database. */
    async flushPendingWrites(): Promise<void> {
      await tokens.flushLastUsed();
      await audit.flush();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
