import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { OpenDatabase } from '../db/open-database.js';
import type { Database } from '../db/schema.js';
import { createRepoStore } from '../domain/repos/repo-store.js';
import { runGit } from '../git/git-command.js';
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
 * 1. the database, as one point-in-time snapshot (SQLite's online backup API; pg_dump);
 * 2. then each repository listed in the database, as a git bundle of all its refs: git writes a
 *    push's objects before it moves a ref, and a bundle holds only what its refs reach, so a push
 *    still in flight (objects in quarantine, refs not moved) is never half-copied;
 * 3. secret.key (without it every token and session is dead), unless GITGATE_SECRET_KEY is used;
 * 4. manifest.json, last: its presence marks the backup complete.
 * Repositories are copied after the database snapshot, so they may hold newer commits than the
 * database's pushed_at: harmless, whereas the opposite would lose pushes the database recorded.
 */
export async function createBackup(options: BackupOptions): Promise<Manifest> {
  const { database, dataDir, targetDir } = options;
  prepareEmptyDirectory(targetDir);

  const databaseFile = database.dialect === 'sqlite' ? 'gitgate.db' : 'database.pgdump';
  if (database.dialect === 'sqlite') {
    await backupSqlite(database.sqlitePath!, path.join(targetDir, databaseFile));
  } else {
    await runPgTool('pg_dump', options.databaseUrl!, ['--format=custom', '--no-owner', '--no-privileges', `--file=${path.join(targetDir, databaseFile)}`]);
  }

  const repositories = await backupRepositories(database.db, dataDir, targetDir);

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
    database: databaseFile,
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

async function backupRepositories(db: Kysely<Database>, dataDir: string, targetDir: string): Promise<BackedUpRepo[]> {
  const storage = createRepoStorage(dataDir);
  const out: BackedUpRepo[] = [];
  for (const row of await createRepoStore(db).listAll()) {
    const source = storage.pathOf(row.owner, row.name);
    if (!fs.existsSync(source)) continue; // deleted since the database snapshot
    const refs = (await runGit(['for-each-ref', '--format=%(refname)'], { cwd: source })).toString('utf8').split('\n').filter(Boolean);
    let bundle: string | null = null;
    if (refs.length > 0) {
      bundle = path.posix.join('repositories', row.owner.toLowerCase(), `${row.name.toLowerCase()}.bundle`);
      fs.mkdirSync(path.dirname(path.join(targetDir, bundle)), { recursive: true });
      await runGit(['bundle', 'create', '--quiet', path.join(targetDir, bundle), '--all'], { cwd: source });
    }
    out.push({ owner: row.owner, name: row.name, defaultBranch: row.defaultBranch, bundle, refs: refs.length });
  }
  return out;
}
