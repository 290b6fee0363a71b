import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteStatement, sql } from 'kysely';
import type pg from 'pg';
import { messageOf } from '../lib/errors.js';
import { preparingClient } from './prepared-statements.js';
import type { ChangeStamp } from './read-cache.js';
import { startWalCheckpointer } from './wal-checkpointer.js';
import { walIndexStamp } from './wal-index-stamp.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the SQLite file lives (null on PostgreSQL). */
  sqlitePath: string | null;
  /** Whether anything was committed since a former call (SQLite only; null on PostgreSQL). */
  changeStamp: ChangeStamp | null;
  /** Queries run at once, without a promise (SQLite only; null on PostgreSQL). */
  syncQueries: SyncQueries | null;
  close(): Promise<void>;
}

/**
 * Queries run synchronously on SQLite's one connection, through the same kept statements as
 * Kysely: better-sqlite3 is synchronous, and Kysely's own call for each is a chain of promises
 * around the same step. For the paths every request may take (a token lookup, its last use).
 * Neither runs while a transaction is open on the connection (a read would see its uncommitted
 * writes; a write would join it): they answer null or false, and the caller goes through Kysely.
 */
export interface SyncQueries {
  /** A reading query's rows; null while a transaction is open. */
  read(sql: string, parameters: readonly unknown[]): unknown[] | null;
  /** One writing statement, run with each list of values, in one transaction; false while a transaction is open. */
  writeEach(sql: string, valueLists: readonly (readonly unknown[])[]): boolean;
}

export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

/** SQLite at DATA/gitgate.db unless a PostgreSQL URL is given. */
export async function openDatabase(options: { dataDir: string; databaseUrl: string | null }): Promise<OpenDatabase> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openSqlite(path.join(options.dataDir, 'gitgate.db'));
}

function openSqlite(file: string): OpenDatabase {
  let native: SQLite.Database;
  try {
    native = new SQLite(file);
    // exec, not pragma(): no throw-away Statement objects (see withStatementCache).
    // The busy timeout first: switching to WAL needs a lock that another process may be holding.
    native.exec('PRAGMA busy_timeout = 5000');
    native.exec('PRAGMA journal_mode = WAL');
    native.exec('PRAGMA foreign_keys = ON');
    native.exec('PRAGMA synchronous = NORMAL');
    // Reads through a memory map rather than a read() per page: a token lookup in a large table
    // touches a few B-tree pages that are rarely in SQLite's own 2 MB page cache. The mapped pages
    // are the OS's file cache, shared and reclaimable, not this process's heap.
    native.exec('PRAGMA mmap_size = 268435456');
    native.exec('SELECT count(*) FROM sqlite_master');
  } catch (error) {
    throw new DatabaseOpenError(`cannot open database ${file}: ${messageOf(error)}`);
  }
  const statements = withStatementCache(native);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  const runEach = native.transaction((statement: SqliteStatement, valueLists: readonly (readonly unknown[])[]) => {
    for (const values of valueLists) statement.run(values);
  });
  // SQLite names the WAL index after the database's real path (symbolic links resolved).
  const walIndex = walIndexStamp(`${fs.realpathSync(file)}-shm`, sqliteChangeStamp(native));
  const checkpointer = startWalCheckpointer({
    file,
    progress: walIndex.progress,
    setOwnCheckpointFrames: (frames) => native.exec(`PRAGMA wal_autocheckpoint = ${frames}`),
  });
  return {
    db,
    dialect: 'sqlite',
    sqlitePath: file,
    changeStamp: walIndex.stamp,
    syncQueries: {
      read: (text, parameters) => (native.inTransaction ? null : statements.prepare(text).all(parameters)),
      writeEach(text, valueLists) {
        if (native.inTransaction) return false;
        runEach(statements.prepare(text), valueLists);
        return true;
      },
    },
    close: async () => {
      await checkpointer.close();
      await db.destroy();
      walIndex.close();
    },
  };
}

/**
 * Kysely asks better-sqlite3 to prepare every statement on every query. Our queries' SQL texts form
 * a small fixed set, so each is prepared once and kept: preparing was the largest single cost of an
 * authenticated API request in the benchmark's profile. Keeping them has a second reason: on Node
 * 24, better-sqlite3 12 aborts the process when V8 collects a Statement at an unlucky moment
 * (`RemoveEnvironmentCleanupHook: Assertion (env) != nullptr`), so no Statement is ever left for
 * the garbage collector: they stay referenced, even after close, until the process exits.
 */
const retainedStatements: Map<string, unknown>[] = [];

function withStatementCache(native: SQLite.Database) {
  // A reader's wrapper (rowsBuiltHere) holds its Statement, so keeping the wrappers keeps them all.
  const kept = new Map<string, SqliteStatement>();
  retainedStatements.push(kept);
  const prepare = (text: string) => {
    let statement = kept.get(text);
    if (!statement) {
      const prepared = native.prepare(text);
      statement = prepared.reader ? rowsBuiltHere(prepared) : prepared;
      kept.set(text, statement);
    }
    return statement;
  };
  return { close: () => native.close(), prepare };
}

/**
 * A reading statement whose rows are built here from better-sqlite3's raw rows (arrays), in column
 * order as better-sqlite3 builds them (a later column of the same name wins). On Node 20,
 * better-sqlite3 builds each row object through V8's API one column at a time, an internalized name
 * and a map transition each: for a 26-column join that cost more than SQLite's own lookup
 * (callgrind, cold token lookups). Kysely calls only `all` and `iterate` on a reader.
 */
function rowsBuiltHere(statement: SQLite.Statement): SqliteStatement {
  const names = statement.columns().map((column) => column.name);
  statement.raw(true);
  const toRow = rowBuilder(names);
  return {
    reader: true,
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(toRow),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield toRow(values);
    },
    run: (parameters) => statement.run(parameters),
  };
}

/**
 * A statement's row builder: one object literal with the statement's column names as its keys, made
 * once per statement. V8 then creates each row with its final shape in one step, where adding the
 * fields one by one took a keyed store and a shape transition per column. A literal's duplicate key
 * takes its first place and its last value, as the loop does. `__proto__` would set the prototype
 * in a literal: a statement naming a column so gets the loop.
 */
function rowBuilder(names: readonly string[]): (values: unknown[]) => Record<string, unknown> {
  if (names.includes('__proto__')) {
    return (values) => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) Object.defineProperty(row, names[i]!, { value: values[i], enumerable: true, writable: true, configurable: true });
      return row;
    };
  }
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  return new Function('values', `return { ${fields} };`) as (values: unknown[]) => Record<string, unknown>;
}

/**
 * The fallback change stamp, when the WAL index cannot be read (see wal-index-stamp.ts).
 * `data_version` changes when another connection (another process, another instance, the CLI)
 * commits; `total_changes()` counts this connection's own writes. Together they change with every
 * committed write to the file. Two statements rather than one: `total_changes()` alone costs ~60 ns,
 * `data_version` ~2 us (it looks at the WAL index), their combination ~3.5 us.
 */
function sqliteChangeStamp(native: SQLite.Database): ChangeStamp {
  const ownChanges = native.prepare('SELECT total_changes()').pluck();
  const dataVersion = native.prepare('PRAGMA data_version').pluck();
  retainedStatements.push(new Map([['own-changes', ownChanges], ['data-version', dataVersion]]));
  return () => `${ownChanges.get() as number}:${dataVersion.get() as number}`;
}

/**
 * The one place where the engines' value types are reconciled. The schema already avoids types
 * only one engine has (booleans are integers 0/1, timestamps ISO text, lists comma-separated text,
 * case-insensitive uniqueness a lower_* column; see schema.ts). What remains is PostgreSQL's
 * bigint (int8), which `pg` returns as a string: count(*) and sum() yield it. Parsed as a number
 * here, they read the same as on SQLite (our counts stay far below 2^53).
 */
const INT8_OID = 20;
async function openPostgres(url: string): Promise<OpenDatabase> {
  // Loaded only when PostgreSQL is configured: a SQLite install never pays for the driver.
  const { default: pg } = await import('pg');
  const pgTypeParser = (oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: { getTypeParser: pgTypeParser } as pg.CustomTypesConfig,
    Client: preparingClient(pg.Client),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new DatabaseOpenError(`cannot connect to PostgreSQL: ${messageOf(error)}`);
  }
  return { db, dialect: 'postgres', sqlitePath: null, changeStamp: null, syncQueries: null, close: () => db.destroy() };
}

/** Creates the data directory (and repositories/ below it), failing with one clear sentence. */
export function ensureDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(path.join(dataDir, 'repositories'), { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new DatabaseOpenError(`data directory ${dataDir} is not usable (${code})`);
  }
}

/** True when a unique constraint rejected a write, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
