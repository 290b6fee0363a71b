import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { OpenDatabase } from '../db/open-database.js';
import type { Database } from '../db/schema.js';
import { createRepoStore, type Repo } from '../domain/repos/repo-store.js';
import { bundleAllRefs } from '../git/bundle.js';
import { createRepoStorage } from '../git/repo-storage.js';
import type { Clock } from '../lib/clock.js';
import { GitgateError } from '../lib/errors.js';
import { toDbTime } from '../lib/time.js';
import { VERSION } from '../version.js';
import { type BackedUpRepo, type Manifest, MANIFEST_FORMAT, MANIFEST_VERSION, writeManifest } from './manifest.js';
import { runPgTool } from './pg-tools.js';

export interface BackupOptions {
  database: OpenDatabase;
  dataDir: string;
  /** The configured GITGATE_SECRET_KEY, if any (it is never written into the backup). */
  secretKeyFromEnvironment: boolean;
  databaseUrl: string | null;
  targetDir: string;
  clock: Clock;
}

/** Creates the target directory, refusing one that already holds anything. */
function prepareEmptyDirectory(dir: string): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new GitgateError('invalid', 'backup_target_not_empty', `${dir} exists and is not a directory`);
    if (fs.readdirSync(dir).length > 0) throw new GitgateError('invalid', 'backup_target_not_empty', `${dir} is not empty: back up into a new or empty directory`);
  }
  fs.mkdirSync(dir, { recursive: true });
}

/**
 * Writes a consistent copy of everything a restore needs, while the server keeps running:
 * 1. the database, as one point-in-time snapshot (SQLite's online backup API; pg_dump), and the
 *    repositories that snapshot holds (see snapshotDatabase);
 * 2. then each of those repositories as a git bundle of all its refs (see copyRepositories);
 * 3. secret.key (without it every token and session is dead), unless GITGATE_SECRET_KEY is used;
 * 4. manifest.json, last: its presence marks the backup complete.
 */
export async function createBackup(options: BackupOptions): Promise<Manifest> {
  prepareEmptyDirectory(options.targetDir);
  return copyRepositories(options, await snapshotDatabase(options));
}

/** The database as of one moment, and the repositories it holds at that moment. */
export interface DatabaseSnapshot {
  databaseFile: string;
  repositories: Repo[];
}

/**
 * Copies the database and lists its repositories from the copy itself (SQLite), or from the very
 * snapshot pg_dump reads (PostgreSQL: exported from a transaction that lists them): a repository
 * created, renamed or deleted while the backup runs is then in the list exactly as it is in the
 * restored database.
 */
export async function snapshotDatabase(options: BackupOptions): Promise<DatabaseSnapshot> {
  const { database, targetDir } = options;
  if (database.dialect === 'sqlite') {
    const databaseFile = 'gitgate.db';
    await backupSqlite(database.sqlitePath!, path.join(targetDir, databaseFile));
    const copy = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(path.join(targetDir, databaseFile), { readonly: true }) }) });
    try {
      return { databaseFile, repositories: await createRepoStore(copy).listAll() };
    } finally {
      await copy.destroy();
    }
  }
  const databaseFile = 'database.pgdump';
  const repositories = await database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const { rows } = await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(trx);
      const dumpArgs = ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${rows[0]!.id}`, `--file=${path.join(targetDir, databaseFile)}`];
      await runPgTool('pg_dump', options.databaseUrl!, dumpArgs);
      return createRepoStore(trx).listAll();
    });
  return { databaseFile, repositories };
}

/**
 * Bundles each repository of the snapshot, under the name the snapshot gives it, from wherever it
 * is now (found by id: it may have been renamed since). git writes a push's objects before it
 * moves a ref, and a bundle holds only what its refs reach, so a push still in flight (objects in
 * quarantine, refs not moved) is never half-copied; a ref that moves while its bundle is written
 * is bundled again (bundleAllRefs). Repositories may hold newer commits than the
 * database's pushed_at: harmless, whereas the opposite would lose pushes the database recorded.
 * One deleted since the snapshot is restored empty, as the restored database still lists it.
 * Then the secret key and the manifest.
 */
export async function copyRepositories(options: BackupOptions, snapshot: DatabaseSnapshot): Promise<Manifest> {
  const { database, dataDir, targetDir } = options;
  const storage = createRepoStorage(dataDir);
  const live = createRepoStore(database.db);
  const repositories: BackedUpRepo[] = [];
  for (const repo of snapshot.repositories) {
    const now = await live.findById(repo.id);
    const source = now && storage.pathOf(now.owner, now.name);
    const name = path.posix.join('repositories', repo.owner.toLowerCase(), `${repo.name.toLowerCase()}.bundle`);
    const refs = source && fs.existsSync(source) ? await bundleAllRefs(source, path.join(targetDir, name)) : 0;
    const bundle = refs > 0 ? name : null;
    repositories.push({ owner: repo.owner, name: repo.name, defaultBranch: repo.defaultBranch, bundle, refs });
  }

  let secretKey: Manifest['secretKey'] = 'environment';
  if (!options.secretKeyFromEnvironment) {
    fs.copyFileSync(path.join(dataDir, 'secret.key'), path.join(targetDir, 'secret.key'));
    fs.chmodSync(path.join(targetDir, 'secret.key'), 0o600);
    secretKey = 'file';
  }

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    gitgateVersion: VERSION,
    createdAt: toDbTime(options.clock.now()),
    engine: database.dialect,
    database: snapshot.databaseFile,
    secretKey,
    repositories,
  };
  writeManifest(targetDir, manifest);
  return manifest;
}

/** SQLite's online backup API: a consistent copy even while other connections write (WAL included). */
async function backupSqlite(source: string, target: string): Promise<void> {
  const native = new SQLite(source, { fileMustExist: true });
  try {
    native.exec('PRAGMA busy_timeout = 5000');
    await native.backup(target);
  } finally {
    native.close();
  }
  // One self-contained file: no -wal or -shm companion needed to read it.
  const copy = new SQLite(target);
  try {
    copy.exec('PRAGMA journal_mode = DELETE');
  } finally {
    copy.close();
  }
}
