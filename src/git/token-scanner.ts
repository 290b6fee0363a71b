import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { runGit, spawnGit } from './git-command.js';

/** A string in the token format found in a blob. Whether it is live is for the domain to decide. */
export interface TokenCandidate {
  token: string;
  blob: string;
  path: string;
  line: number;
}

type Env = Record<string, string | undefined>;

interface ObjectEntry {
  sha: string;
  type: string;
  size: number;
  path: string;
}

export interface ScanLimits {
  maxBlobBytes: number;
  onSkippedBlob?: (blob: { sha: string; path: string; size: number }) => void;
}

// Matches the shape only; the checksum and the database decide the rest.
const TOKEN_SHAPE = /ggp_[0-9A-Za-z]{36}/g;
const TOKEN_PREFIX = Buffer.from('ggp_');

/**
 * The objects a push adds are exactly those in its quarantine directory: listed with
 * `--batch-all-objects` over that directory alone (no walk of history), then only the blobs are read.
 * Paths are looked up only for the rare blob that holds a candidate.
 */
export async function scanPushedObjects(options: ScanLimits & { repoDir: string; quarantineEnv: Env; tips: string[] }): Promise<TokenCandidate[]> {
  const quarantineOnly = { ...options.quarantineEnv, GIT_ALTERNATE_OBJECT_DIRECTORIES: '' };
  const check = spawnGit(['cat-file', '--batch-all-objects', '--unordered', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], {
    cwd: options.repoDir,
    extraEnv: quarantineOnly,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const objects = await readObjectList(check);
  // Large blobs are reported with their paths, which a push only yields on request: collect first.
  const skipped: { sha: string; path: string; size: number }[] = [];
  const found = await scanBlobs(options.repoDir, options.quarantineEnv, objects, { ...options, onSkippedBlob: (blob) => skipped.push(blob) });
  // index-pack may have appended existing objects to complete a thin pack: those are not new.
  const fresh: TokenCandidate[] = [];
  for (const candidate of found) if (!(await existsInRepository(options.repoDir, candidate.blob))) fresh.push(candidate);
  if (fresh.length === 0 && skipped.length === 0) return fresh;
  const wanted = new Set([...fresh.map((c) => c.blob), ...skipped.map((b) => b.sha)]);
  const paths = await pathsOf(options.repoDir, [...options.tips, '--not', '--all'], options.quarantineEnv, wanted);
  for (const blob of skipped) if (paths.has(blob.sha)) options.onSkippedBlob?.({ ...blob, path: paths.get(blob.sha)! });
  return fresh.map((c) => ({ ...c, path: paths.get(c.blob) ?? '' }));
}

/** Every blob reachable from any ref, for a repository made public. */
export async function scanHistory(options: ScanLimits & { repoDir: string }): Promise<TokenCandidate[]> {
  const revList = spawnGit(['rev-list', '--objects', '--all'], { cwd: options.repoDir, stdio: ['ignore', 'pipe', 'ignore'] });
  const check = spawnGit(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)'], {
    cwd: options.repoDir,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  revList.stdout!.pipe(check.stdin!);
  const [objects] = await Promise.all([readObjectList(check), exitOf(revList, 'rev-list')]);
  return scanBlobs(options.repoDir, {}, objects, options);
}

async function readObjectList(child: ChildProcess): Promise<ObjectEntry[]> {
  const objects: ObjectEntry[] = [];
  const exited = exitOf(child, 'cat-file --batch-check');
  for await (const line of readline.createInterface({ input: child.stdout! })) {
    const [sha = '', type = '', size = '0', ...rest] = line.split(' ');
    if (type === 'blob') objects.push({ sha, type, size: Number(size), path: rest.join(' ') });
  }
  await exited;
  return objects;
}

/**
 * Reads the blobs through one `git cat-file --batch`, holding at most one blob of at most
 * `maxBlobBytes` in memory; larger blobs are reported to `onSkippedBlob` and never read.
 */
async function scanBlobs(repoDir: string, env: Env, objects: ObjectEntry[], limits: ScanLimits): Promise<TokenCandidate[]> {
  const blobs: ObjectEntry[] = [];
  for (const object of objects) {
    if (object.size <= limits.maxBlobBytes) blobs.push(object);
    else limits.onSkippedBlob?.({ sha: object.sha, path: object.path, size: object.size });
  }
  if (blobs.length === 0) return [];
  const catFile = spawnGit(['cat-file', '--batch'], { cwd: repoDir, extraEnv: env, stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = exitOf(catFile, 'cat-file --batch');
  const found: TokenCandidate[] = [];

  // cat-file answers "<sha> <type> <size>\n<content>\n" per object, in the order asked.
  let index = 0;
  let header = '';
  let remaining = -1; // bytes of content + newline still to come for blobs[index]; -1 = reading a header
  let chunks: Buffer[] = [];
  catFile.stdout!.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining < 0) {
        const newline = chunk.indexOf(10, offset);
        if (newline < 0) {
          header += chunk.toString('latin1', offset);
          return;
        }
        header += chunk.toString('latin1', offset, newline);
        offset = newline + 1;
        const size = Number(header.split(' ')[2] ?? 0);
        header = '';
        remaining = size + 1;
        chunks = [];
        continue;
      }
      const take = Math.min(remaining, chunk.length - offset);
      chunks.push(chunk.subarray(offset, offset + take));
      offset += take;
      remaining -= take;
      if (remaining === 0) {
        const blob = blobs[index++]!;
        const content = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        scanBlob(content.subarray(0, blob.size), blob, found);
        remaining = -1;
      }
    }
  });
  catFile.stdin!.end(`${blobs.map((b) => b.sha).join('\n')}\n`);
  await exited;
  return found;
}

function scanBlob(content: Buffer, blob: ObjectEntry, found: TokenCandidate[]) {
  if (content.indexOf(TOKEN_PREFIX) < 0) return; // the common case: nothing to look at
  const text = content.toString('latin1');
  for (const match of text.matchAll(TOKEN_SHAPE)) {
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ token: match[0], blob: blob.sha, path: blob.path, line });
  }
}

async function existsInRepository(repoDir: string, sha: string): Promise<boolean> {
  try {
    await runGit(['cat-file', '-e', sha], { cwd: repoDir });
    return true;
  } catch {
    return false;
  }
}

/** The path at which each wanted blob first appears among `revs` (`git rev-list --objects`). */
async function pathsOf(repoDir: string, revs: string[], env: Env, wanted: Set<string>): Promise<Map<string, string>> {
  const revList = spawnGit(['rev-list', '--objects', ...revs], { cwd: repoDir, extraEnv: env, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = exitOf(revList, 'rev-list');
  const paths = new Map<string, string>();
  for await (const line of readline.createInterface({ input: revList.stdout! })) {
    const sha = line.slice(0, line.indexOf(' '));
    if (wanted.has(sha) && !paths.has(sha)) paths.set(sha, line.slice(sha.length + 1));
  }
  await exited;
  return paths;
}

function exitOf(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${what} exited with ${code}`))));
  });
}

/** The newest commit among `revs` that introduced `blob` (for messages: rare, so cost is fine). */
export async function commitIntroducing(repoDir: string, blob: string, revs: string[], env?: Env): Promise<string | null> {
  try {
    const out = await runGit(['log', '-1', '--format=%H', `--find-object=${blob}`, ...revs], { cwd: repoDir, env });
    return out.toString('utf8').trim() || null;
  } catch {
    return null;
  }
}
