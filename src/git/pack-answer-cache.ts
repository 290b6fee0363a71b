import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sha256Hex } from '../lib/crypto.js';
import { type AnswerKey, createAnswerKeys, isStillSettled, refsState, refTips } from './answer-key.js';
import type { GitSetting } from './git-setting.js';

/**
 * git's answers to protocol v2 `fetch` requests (clones and fetches), kept on disk for a few
 * minutes, as GitLab's pack-objects cache does: a CI fleet clones and fetches the same commits over
 * and over, and git would build the same pack each time (most of what a clone costs the server).
 *
 * An answer is kept under the key ls-refs' answers use (src/git/answer-key.ts): the request's bytes,
 * the refs and git's configuration; and only for a request whose every `want` is what a ref points
 * at. Objects never change and what the refs reach is never pruned, so while the refs are unchanged
 * the answer git made once is a right answer again. Any ref update (a force push that removes a
 * commit included) is a new key: a removed commit is never served from here. (Protocol v2 git
 * serves any object it still has, reachable or not; such answers are left to git.)
 *
 * Entries are files in a directory of this process (instances may share a data directory), removed
 * on close; one left by a process that died is removed by the next to start.
 */
export interface PackAnswerCache {
  /** The request's key against the repository as it is now; null when its answer is not kept. */
  keyOf(repoDir: string, protocol: string | undefined, request: Buffer, wants: string[]): AnswerKey | null;
  /** The kept answer, already open (an eviction meanwhile cannot take it away); null when none. */
  open(key: string): KeptAnswer | null;
  /** The answer to `key` being written now, opened to be read as it grows; null when none is. */
  follow(key: string): AnswerInProgress | null;
  /**
   * A new file for git's answer to `key`, which requests for the same key follow until it is done;
   * null when one is being written already, or none can be created, or the disk has less than the
   * cache's size free. `blank`, when given, becomes that file (on null it stays the caller's).
   */
  create(key: string, blank?: BlankFile): AnswerFile | null;
  /** An empty file for an answer whose request is not known yet (a spare git's stdout); null as for create. */
  blank(): BlankFile | null;
  /** Removes a blank file that was never given a key. */
  discard(blank: BlankFile): void;
  close(): Promise<void>;
}

/** Open for writing. */
export interface BlankFile {
  fd: number;
  path: string;
}

/** Open for reading, from the start: the reader closes `fd`. */
export interface KeptAnswer {
  fd: number;
  bytes: number;
}

export interface AnswerInProgress {
  /** Open for reading, from the start: the reader closes it. */
  fd: number;
  /** Settles once the writer is done: true when the answer is whole (and kept, if it could be). */
  whole: Promise<boolean>;
}

export interface AnswerFile {
  /** Open for writing: git's stdout. */
  fd: number;
  /**
   * Called once git is done (later calls change nothing). A whole answer is kept if the key, taken
   * again now, is unchanged and settled, and it fits the cache; otherwise it is dropped. Followers
   * learn whether it was whole.
   */
  finish(whole: boolean, now: () => AnswerKey | null): void;
}

/** How long an answer is served: a CI run's clones come within minutes of each other. */
export const PACK_ANSWER_MAX_AGE_MS = 5 * 60_000;
const SWEEP_MS = 60_000;
const MAX_REPOS = 1024;
/** A sibling directory untouched this long belongs to a process that is gone (live ones touch theirs each sweep). */
const ABANDONED_MS = 10 * SWEEP_MS;

interface Entry {
  file: string;
  bytes: number;
  storedAt: number;
}

export function createPackAnswerCache(options: { root: string; maxBytes: number; setting: GitSetting; now?: () => number }): PackAnswerCache {
  const now = options.now ?? Date.now;
  const answerKeyOf = createAnswerKeys(options.setting, now);
  const dir = path.join(options.root, `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  /** By the digest of their key, least recently used first. */
  const entries = new Map<string, Entry>();
  /** Whether the directory was made (with the first answer written). */
  let madeDir = false;
  /** Answers being written, by the digest of their key. */
  const inProgress = new Map<string, { file: string; whole: Promise<boolean> }>();
  let total = 0;

  const removeFile = (file: string) => fsp.rm(file, { force: true }).catch(() => undefined);
  const remove = (digest: string) => {
    const entry = entries.get(digest);
    if (!entry) return;
    entries.delete(digest);
    total -= entry.bytes;
    void removeFile(entry.file);
  };
  /** Drops expired entries, then the least recently used until the total fits. */
  const sweep = () => {
    for (const [digest, entry] of entries) if (entry.storedAt <= now() - PACK_ANSWER_MAX_AGE_MS) remove(digest);
    for (const digest of entries.keys()) {
      if (total <= options.maxBytes) break;
      remove(digest);
    }
  };
  const timer = setInterval(() => {
    sweep();
    const time = new Date(now());
    fs.utimes(dir, time, time, () => undefined);
  }, SWEEP_MS);
  timer.unref();
  void removeAbandoned(options.root, now);

  /** Each repository's ref tips, under the refs state they were read in. */
  const tipsByRepo = new Map<string, { refs: string; tips: Set<string> }>();
  const tipsOf = (repoDir: string, refs: string): Set<string> | null => {
    const known = tipsByRepo.get(repoDir);
    if (known?.refs === refs) return known.tips;
    const tips = refTips(repoDir);
    // Refs that moved while they were read belong to no one state.
    if (refsState(repoDir)?.key !== refs) return null;
    if (tipsByRepo.size >= MAX_REPOS) tipsByRepo.delete(tipsByRepo.keys().next().value!);
    tipsByRepo.set(repoDir, { refs, tips });
    return tips;
  };

  const newBlank = (): BlankFile | null => {
    const file = path.join(dir, randomBytes(8).toString('hex'));
    try {
      if (!madeDir) fs.mkdirSync(dir, { recursive: true });
      madeDir = true;
      const disk = fs.statfsSync(dir);
      if (disk.bavail * disk.bsize < options.maxBytes) throw new Error('too little free disk');
      return { fd: fs.openSync(file, 'wx'), path: file };
    } catch {
      madeDir = false; // made again next time, should it be gone
      return null;
    }
  };
  const discard = (blank: BlankFile) => {
    fs.close(blank.fd, () => undefined);
    void removeFile(blank.path);
  };

  return {
    keyOf(repoDir, protocol, request, wants) {
      const key = answerKeyOf(repoDir, protocol, request);
      if (!key) return null;
      const tips = tipsOf(repoDir, key.refs);
      return tips && wants.every((want) => tips.has(want)) ? key : null;
    },
    // Opening, creating, measuring and closing the files are single small local system calls, made
    // here synchronously: through libuv's thread pool each took a round trip of 0.2-1 ms on a busy
    // machine, and a miss made five of them before and after git's work. Reading stays asynchronous.
    open(key) {
      const digest = sha256Hex(key);
      const entry = entries.get(digest);
      if (!entry) return null;
      if (entry.storedAt <= now() - PACK_ANSWER_MAX_AGE_MS) {
        remove(digest);
        return null;
      }
      entries.delete(digest);
      entries.set(digest, entry);
      try {
        return { fd: fs.openSync(entry.file, 'r'), bytes: entry.bytes };
      } catch {
        if (entries.get(digest) === entry) remove(digest);
        return null;
      }
    },
    follow(key) {
      const writing = inProgress.get(sha256Hex(key));
      if (!writing) return null;
      try {
        return { fd: fs.openSync(writing.file, 'r'), whole: writing.whole };
      } catch {
        return null; // dropped meanwhile
      }
    },
    create(key, blank) {
      const digest = sha256Hex(key);
      if (inProgress.has(digest)) return null;
      const opened = blank ?? newBlank();
      if (!opened) return null;
      const { fd, path: file } = opened;
      let settle: (whole: boolean) => void = () => undefined;
      const whole = new Promise<boolean>((resolve) => {
        settle = resolve;
      });
      inProgress.set(digest, { file, whole });
      let finished = false;
      return {
        fd,
        finish(complete, current) {
          if (finished) return;
          finished = true;
          let bytes = Number.POSITIVE_INFINITY;
          try {
            bytes = fs.fstatSync(fd).size;
          } catch {
            // unknown: not kept
          }
          fs.close(fd, () => undefined);
          inProgress.delete(digest);
          if (complete && bytes > 0 && bytes <= options.maxBytes && isStillSettled(current(), key)) {
            remove(digest);
            entries.set(digest, { file, bytes, storedAt: now() });
            total += bytes;
            sweep();
          } else {
            try {
              fs.rmSync(file, { force: true });
            } catch {
              // left for the directory's removal on close
            }
          }
          settle(complete);
        },
      };
    },
    blank: newBlank,
    discard,
    async close() {
      clearInterval(timer);
      entries.clear();
      total = 0;
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** Removes the directories of processes that died without closing their cache. */
async function removeAbandoned(root: string, now: () => number) {
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(root, name);
    const stat = await fsp.stat(dir).catch(() => null);
    if (stat?.isDirectory() && stat.mtimeMs < now() - ABANDONED_MS) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
