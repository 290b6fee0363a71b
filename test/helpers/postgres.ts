import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Throw-away PostgreSQL databases for tests and the benchmark. GITGATE_TEST_DATABASE_URL points
 * at a database whose role may CREATE DATABASE (scripts/start-test-postgres.sh sets one up); each
 * caller gets a fresh database beside it and drops it when done.
 */
export const TEST_DATABASE_URL = process.env.GITGATE_TEST_DATABASE_URL || null;

/** True when PostgreSQL tests must run (CI): a missing URL is then a failure, not a skip. */
export const POSTGRES_REQUIRED = process.env.GITGATE_REQUIRE_POSTGRES === '1';

export interface ThrowawayDatabase {
  /** A postgres:// URL for the new, empty database. */
  url: string;
  name: string;
  /** Drops the database (ending any connection still open to it). Safe to call twice. */
  drop(): Promise<void>;
}

async function admin<T>(baseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database next to the one GITGATE_TEST_DATABASE_URL (or `baseUrl`) names. */
export async function createThrowawayDatabase(options: { baseUrl?: string; prefix?: string } = {}): Promise<ThrowawayDatabase> {
  const baseUrl = options.baseUrl ?? TEST_DATABASE_URL;
  if (!baseUrl) throw new Error('GITGATE_TEST_DATABASE_URL is not set: run `eval "$(scripts/start-test-postgres.sh)"` first');
  const name = `${options.prefix ?? 'gitgate_t'}_${process.pid}_${randomBytes(4).toString('hex')}`;
  // Names are generated above (letters, digits, underscores): safe to place in SQL as identifiers.
  await admin(baseUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

let noticeShown = false;

/**
 * What a PostgreSQL test should do when no server is configured: skip with a loud notice, or fail
 * under GITGATE_REQUIRE_POSTGRES=1. Returns a skip reason, or null when PostgreSQL is available.
 */
export function postgresSkipReason(): string | null {
  if (TEST_DATABASE_URL) return null;
  if (POSTGRES_REQUIRED) return null; // not skipped: the test itself fails (see requirePostgresUrl)
  if (!noticeShown) {
    noticeShown = true;
    process.stderr.write(
      '\n!!! PostgreSQL tests SKIPPED: GITGATE_TEST_DATABASE_URL is not set.\n' +
        '!!! Run `eval "$(scripts/start-test-postgres.sh)"` to run them (CI sets GITGATE_REQUIRE_POSTGRES=1).\n\n',
    );
  }
  return 'PostgreSQL not configured (GITGATE_TEST_DATABASE_URL unset)';
}

/** The URL, or an error explaining why a required PostgreSQL is missing. */
export function requirePostgresUrl(): string {
  if (TEST_DATABASE_URL) return TEST_DATABASE_URL;
  throw new Error('GITGATE_REQUIRE_POSTGRES=1 but GITGATE_TEST_DATABASE_URL is not set: PostgreSQL tests cannot run');
}
