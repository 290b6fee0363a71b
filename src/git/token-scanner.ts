import readline from 'node:readline';
import { runGit, spawnGit } from './git-command.js';

/** A string in the token format found in a blob. Whether it is live is for the domain to decide. */
export interface TokenCandidate {
  token: string;
  blob: string;
  path: string;
  line: number;
}

export interface ScanOptions {
  repoDir: string;
  /** rev-list arguments: `['--all']` for the whole history, `[new..., '--not', '--all']` for a push. */
  revs: string[];
  /** During pre-receive: the quarantine variables, so git sees the pushed objects. */
  env?: Record<string, string | undefined>;
  maxBlobBytes: number;
  onSkippedBlob?: (blob: { sha: string; path: string; size: number }) => void;
}

// Matches the shape only; the checksum and the database decide the rest.
const TOKEN_SHAPE = /ggp_[0-9A-Za-z]{36}/g;

/**
 * Streams every blob reachable from `revs` (and only those) through one `git cat-file --batch`,
 * holding at most one blob of at most `maxBlobBytes` in memory, and returns the token-shaped strings.
 */
export async function scanForTokens(options: ScanOptions): Promise<TokenCandidate[]> {
  const paths = await objectsWithPaths(options);
  if (paths.size === 0) return [];
  const catFile = spawnGit(['cat-file', '--batch'], { cwd: options.repoDir, extraEnv: options.env, stdio: ['pipe', 'pipe', 'ignore'] });
  const found: TokenCandidate[] = [];
  const done = new Promise<void>((resolve, reject) => {
    catFile.on('error', reject);
    catFile.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git cat-file exited with ${code}`))));
  });

  // A small state machine over cat-file's output: "<sha> <type> <size>\n<content>\n", repeated.
  let pending: Buffer = Buffer.alloc(0);
  let current: { sha: string; type: string; size: number; keep: boolean; chunks: Buffer[]; remaining: number } | null = null;
  catFile.stdout!.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (!current) {
        const newline = pending.indexOf(10);
        if (newline < 0) return;
        const [sha = '', type = '', size = '0'] = pending.subarray(0, newline).toString('latin1').split(' ');
        pending = pending.subarray(newline + 1);
        if (type === 'missing') continue;
        const bytes = Number(size);
        const keep = type === 'blob' && bytes <= options.maxBlobBytes;
        if (type === 'blob' && !keep) options.onSkippedBlob?.({ sha, path: paths.get(sha) ?? '', size: bytes });
        current = { sha, type, size: bytes, keep, chunks: [], remaining: bytes + 1 };
      }
      const take = Math.min(current.remaining, pending.length);
      if (take === 0) return;
      if (current.keep) current.chunks.push(pending.subarray(0, take));
      pending = pending.subarray(take);
      current.remaining -= take;
      if (current.remaining > 0) return;
      if (current.keep) scanBlob(Buffer.concat(current.chunks).subarray(0, current.size), current.sha, paths.get(current.sha) ?? '', found);
      current = null;
    }
  });

  for (const sha of paths.keys()) {
    if (!catFile.stdin!.write(`${sha}\n`)) await new Promise((resolve) => catFile.stdin!.once('drain', resolve));
  }
  catFile.stdin!.end();
  await done;
  return found;
}

function scanBlob(content: Buffer, sha: string, path: string, found: TokenCandidate[]) {
  if (content.indexOf('ggp_') < 0) return; // the common case: nothing to look at
  const text = content.toString('latin1');
  for (const match of text.matchAll(TOKEN_SHAPE)) {
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ token: match[0], blob: sha, path, line });
  }
}

/** `git rev-list --objects`: every new tree and blob with the path it was first seen at. */
async function objectsWithPaths(options: ScanOptions): Promise<Map<string, string>> {
  const revList = spawnGit(['rev-list', '--objects', ...options.revs], { cwd: options.repoDir, extraEnv: options.env, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    revList.on('error', reject);
    revList.on('close', resolve);
  });
  const paths = new Map<string, string>();
  for await (const line of readline.createInterface({ input: revList.stdout! })) {
    const space = line.indexOf(' ');
    // Commits have no path; trees and blobs do (the root tree's path is empty).
    if (space > 0) paths.set(line.slice(0, space), line.slice(space + 1));
  }
  const code = await exited;
  if (code !== 0) throw new Error(`git rev-list exited with ${code}`);
  return paths;
}

/** The newest commit among `revs` that introduced `blob` (for messages: rare, so cost is fine). */
export async function commitIntroducing(repoDir: string, blob: string, revs: string[], env?: Record<string, string | undefined>): Promise<string | null> {
  try {
    const out = await runGit(['log', '-1', '--format=%H', `--find-object=${blob}`, ...revs], { cwd: repoDir, env });
    return out.toString('utf8').trim() || null;
  } catch {
    return null;
  }
}
