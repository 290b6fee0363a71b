import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { migrateToLatest } from '../db/migrations.js';
import { ensureDataDir, openDatabase } from '../db/open-database.js';
import { runGit } from '../git/git-command.js';
import { createRepoStorage } from '../git/repo-storage.js';
import { GitgateError } from '../lib/errors.js';
import { type Manifest, readManifest } from './manifest.js';
import { runPgTool } from './pg-tools.js';

export interface RestoreOptions {
  backupDir: string;
  dataDir: string;
  databaseUrl: string | null;
  /** Whether GITGATE_SECRET_KEY is set for the restored server. */
  secretKeyFromEnvironment: boolean;
}

export interface RestoreResult {
  manifest: Manifest;
  repositories: number;
  /** Things the operator must know (a secret key to set, say); printed by the CLI. */
  notes: string[];
}

const notEmpty = (what: string) =>
  new GitgateError('conflict', 'restore_target_not_empty', `${what} is not empty: restore only into an empty data directory and database`);

/** Refuses a data directory holding anything but an empty repositories/ folder. */
function assertEmptyDataDir(dataDir: string): void {
  if (!fs.existsSync(dataDir)) return;
  for (const entry of fs.readdirSync(dataDir)) {
    const full = path.join(dataDir, entry);
    if (entry === 'repositories' && fs.statSync(full).isDirectory() && fs.readdirSync(full).length === 0) continue;
    throw notEmpty(`data directory ${dataDir}`);
  }
}

/**
 * Restores a backup written by createBackup into an empty data directory (and, on PostgreSQL, an
 * empty database), then migrates it to this version's schema. Nothing is overwritten, ever.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const { backupDir, dataDir, databaseUrl } = options;
  const manifest = readManifest(backupDir);
  const engine = databaseUrl ? 'postgres' : 'sqlite';
  if (manifest.engine !== engine) {
    throw new GitgateError(
      'invalid',
      'restore_engine_mismatch',
      `this backup is of a ${manifest.engine} database but the target is ${engine}: ${manifest.engine === 'postgres' ? 'set GITGATE_DATABASE_URL' : 'unset GITGATE_DATABASE_URL'} (converting between engines is not supported)`,
    );
  }
  assertEmptyDataDir(dataDir);
  const notes: string[] = [];

  if (engine === 'postgres') {
    const database = await openDatabase({ dataDir, databaseUrl });
    try {
      const row = await sql<{ n: string }>`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()`.execute(database.db);
      if (Number(row.rows[0]?.n) > 0) throw notEmpty('the PostgreSQL database');
    } finally {
      await database.close();
    }
  }

  ensureDataDir(dataDir);
  if (engine === 'sqlite') {
    fs.copyFileSync(path.join(backupDir, manifest.database), path.join(dataDir, 'gitgate.db'), fs.constants.COPYFILE_EXCL);
  } else {
    await runPgTool('pg_restore', databaseUrl!, ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', path.join(backupDir, manifest.database)]);
  }

  if (manifest.secretKey === 'file') {
    fs.copyFileSync(path.join(backupDir, 'secret.key'), path.join(dataDir, 'secret.key'), fs.constants.COPYFILE_EXCL);
    fs.chmodSync(path.join(dataDir, 'secret.key'), 0o600);
    if (options.secretKeyFromEnvironment) {
      notes.push('GITGATE_SECRET_KEY is set and wins over the restored secret.key: tokens and sessions work only if it is the same key');
    }
  } else if (!options.secretKeyFromEnvironment) {
    notes.push('the backed-up server used GITGATE_SECRET_KEY, which backups never contain: set the same key before starting, or every token is dead');
  }

  const database = await openDatabase({ dataDir, databaseUrl });
  try {
    await migrateToLatest(database.db, database.dialect);
  } finally {
    await database.close();
  }

  const storage = createRepoStorage(dataDir);
  for (const repo of manifest.repositories) {
    const dir = await storage.create(repo.owner, repo.name, repo.defaultBranch);
    if (repo.bundle) {
      await runGit(['fetch', '--quiet', path.resolve(backupDir, repo.bundle), '+refs/*:refs/*'], { cwd: dir });
      await runGit(['symbolic-ref', 'HEAD', `refs/heads/${repo.defaultBranch}`], { cwd: dir });
    }
  }
  return { manifest, repositories: manifest.repositories.length, notes };
}
