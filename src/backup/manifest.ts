import fs from 'node:fs';
import path from 'node:path';
import type { Dialect } from '../db/open-database.js';
import { GitgateError } from '../lib/errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'gitgate-backup';
export const MANIFEST_VERSION = 1;

/** One repository in a backup: a git bundle of all its refs, or null when it had no commits yet. */
export interface BackedUpRepo {
  owner: string;
  name: string;
  defaultBranch: string;
  /** Relative to the backup directory. */
  bundle: string | null;
  refs: number;
}

/**
 * What a backup holds. It is written last: a directory without manifest.json is an unfinished
 * backup, and restore refuses it.
 */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  gitgateVersion: string;
  createdAt: string;
  engine: Dialect;
  /** Relative to the backup directory: gitgate.db (SQLite) or database.pgdump (pg_dump custom format). */
  database: string;
  /** `file`: secret.key is in the backup; `environment`: the server used GITGATE_SECRET_KEY, which is not copied. */
  secretKey: 'file' | 'environment';
  repositories: BackedUpRepo[];
}

export function writeManifest(dir: string, manifest: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

export function readManifest(dir: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'has no manifest.json (not a backup, or an unfinished one)' : 'has an unreadable manifest.json';
    throw new GitgateError('invalid', 'backup_invalid', `${dir} ${why}`);
  }
  if (manifest.format !== MANIFEST_FORMAT || manifest.version !== MANIFEST_VERSION) {
    throw new GitgateError('invalid', 'backup_invalid', `${dir}/manifest.json is not a Gitgate backup of format version ${MANIFEST_VERSION}`);
  }
  return manifest;
}
