import fs from 'node:fs';
import path from 'node:path';
import { createGitSetting, fileVersion, RACY_MS } from './git-setting.js';

/**
 * Protocol v2 `ls-refs` (the second request of every fetch, and all of `git ls-remote` after
 * info/refs) is a function of the request, the repository's refs and the configuration git reads.
 * git writes refs only by renaming a lock file over them (a new inode and modification time each
 * time), so the identities of HEAD, packed-refs and every loose ref file say whether the refs are
 * still the ones an answer was made from. Keeping git's answer under that state saves a git process
 * per fetch; any ref update, pack-refs or configuration change is a new key. A repository with many
 * loose refs (walking them would cost more than git) or an unusual configuration (see
 * src/git/git-setting.ts) is never cached.
 */
export interface LsRefsCache {
  /** The key of this request against the repository as it is now, or null when it is not cached. */
  keyOf(repoDir: string, protocol: string | undefined, request: Buffer): string | null;
  get(key: string): Buffer | undefined;
  /** Keeps git's answer, made after `key` was taken, if the repository has not changed since. */
  remember(key: string, repoDir: string, protocol: string | undefined, request: Buffer, answer: Buffer): void;
}

const MAX_LOOSE_REFS = 256;
const MAX_ENTRIES = 256;
const MAX_ANSWER_BYTES = 256 * 1024;

export function createLsRefsCache(env: NodeJS.ProcessEnv, now: () => number = Date.now): LsRefsCache {
  const setting = createGitSetting(env);
  const entries = new Map<string, Buffer>();
  /** The key of the request against the repository as it is now, and its ref files' newest time. */
  const stateOf = (repoDir: string, protocol: string | undefined, request: Buffer) => {
    const configured = setting(repoDir);
    if (configured === null) return null;
    const refs = refsState(repoDir);
    if (refs === null) return null;
    return { key: JSON.stringify([repoDir, configured, protocol ?? '', request.toString('latin1'), refs.key]), newestMtimeMs: refs.newestMtimeMs };
  };
  return {
    keyOf: (repoDir, protocol, request) => stateOf(repoDir, protocol, request)?.key ?? null,
    get(key) {
      const answer = entries.get(key);
      if (answer) {
        // Most recently used last, so the oldest goes first when the cache is full.
        entries.delete(key);
        entries.set(key, answer);
      }
      return answer;
    },
    remember(key, repoDir, protocol, request, answer) {
      // A ref that moved while git ran could be in the answer or not: keep it only if nothing moved,
      // and only once every ref file is older than RACY_MS.
      if (answer.length > MAX_ANSWER_BYTES) return;
      const state = stateOf(repoDir, protocol, request);
      if (state?.key !== key || state.newestMtimeMs > now() - RACY_MS) return;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(key, answer);
    },
  };
}

/**
 * The identities of HEAD, packed-refs and every file under refs/ (lock files included), and the
 * newest of their modification times; null past MAX_LOOSE_REFS loose refs.
 */
export function refsState(repoDir: string): { key: string; newestMtimeMs: number } | null {
  const root = path.join(repoDir, 'refs');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { recursive: true, withFileTypes: true });
  } catch {
    return null;
  }
  const files = [path.join(repoDir, 'HEAD'), path.join(repoDir, 'packed-refs')];
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    if (files.length >= MAX_LOOSE_REFS + 2) return null;
    files.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  let newestMtimeMs = 0;
  const parts = files.map((file) => {
    const version = fileVersion(file);
    newestMtimeMs = Math.max(newestMtimeMs, version.mtimeMs);
    return `${path.relative(repoDir, file)}=${version.identity}`;
  });
  return { key: parts.sort().join('\n'), newestMtimeMs };
}
