import { createAnswerKeys, isStillSettled } from './answer-key.js';
import type { GitSetting } from './git-setting.js';

/**
 * Protocol v2 `ls-refs` (the second request of every fetch, and all of `git ls-remote` after
 * info/refs) is a function of the request (all but the agent git names: see answeredPart), the
 * repository's refs and the configuration git reads.
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

const MAX_ENTRIES = 256;
const MAX_ANSWER_BYTES = 256 * 1024;

export function createLsRefsCache(setting: GitSetting, now: () => number = Date.now): LsRefsCache {
  const answerKeyOf = createAnswerKeys(setting, now);
  const entries = new Map<string, Buffer>();
  return {
    keyOf: (repoDir, protocol, request) => answerKeyOf(repoDir, protocol, request)?.key ?? null,
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
      if (answer.length > MAX_ANSWER_BYTES) return;
      if (!isStillSettled(answerKeyOf(repoDir, protocol, request), key)) return;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(key, answer);
    },
  };
}
