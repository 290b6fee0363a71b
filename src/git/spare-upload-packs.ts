import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { spawnUploadPackInto, stopGitProcess } from './git-service.js';
import type { BlankFile } from './pack-answer-cache.js';

/**
 * Spare `git upload-pack --stateless-rpc` processes, started before a request needs them, for the
 * repositories whose fetches keep missing the pack answer cache (developers fetching their own
 * work, a fleet's first fetch after each push). Starting git on a request costs it 2-3 ms: Node
 * forks its whole process for each child, which blocks the event loop, and git then loads and
 * enters the repository. A spare has done all that and waits for its request on stdin, writing
 * into a blank file of the cache.
 *
 * A spare holds nothing the request could find stale: git reads refs, packs and objects once it has
 * the request. It read its configuration (keyed as for the caches, src/git/git-setting.ts) and
 * entered its directory on start, so it is used only while the configuration is unchanged and the
 * directory at the repository's path is the very one it is in (a renamed or recreated repository
 * is another directory; its own /proc entry says where it is, so this works on Linux only).
 */
export interface SpareUploadPacks {
  /** A spare for this repository, protocol and configuration, now the caller's; null when none. */
  take(repoDir: string, protocol: string | undefined, setting: string): SpareUploadPack | null;
  /**
   * Called when git starts on a fetch the cache did not have: keeps a spare ready for the next if
   * the previous miss for the same repository was recent too, or a spare took this one. `setting`:
   * the configuration read just before.
   */
  missed(repoDir: string, protocol: string | undefined, setting: string, usedSpare: boolean): void;
  close(): void;
}

export interface SpareUploadPack {
  child: ChildProcessByStdio<Writable, null, Readable>;
  /** The file its stdout writes into. */
  blank: BlankFile;
  /** Stops it and removes its file, when it is not used after all. */
  abandon(): void;
}

/** How long a spare waits for a request, and how close two misses must be for a spare to be kept. */
const SPARE_IDLE_MS = 60_000;
const MAX_SPARES = 8;
const MAX_REMEMBERED_MISSES = 256;

interface Spare extends Omit<SpareUploadPack, 'abandon'> {
  /** The configuration it started under. */
  setting: string;
  timer: NodeJS.Timeout;
}

export function createSpareUploadPacks(files: { blank(): BlankFile | null; discard(blank: BlankFile): void }): SpareUploadPacks {
  const spares = new Map<string, Spare>();
  const lastMiss = new Map<string, number>();
  const supported = identityOf('/proc/self/cwd') !== null;
  let closed = false;
  const slotOf = (repoDir: string, protocol: string | undefined) => JSON.stringify([repoDir, protocol ?? '']);

  const stop = (spare: Spare) => {
    clearTimeout(spare.timer);
    stopGitProcess(spare.child, 1000);
    files.discard(spare.blank);
  };
  /** Stops a spare still waiting in the pool (once taken, it is the taker's). */
  const drop = (slot: string, spare: Spare) => {
    if (spares.get(slot) !== spare) return;
    spares.delete(slot);
    stop(spare);
  };

  const start = (repoDir: string, protocol: string | undefined, setting: string) => {
    const slot = slotOf(repoDir, protocol);
    if (spares.has(slot)) return;
    if (spares.size >= MAX_SPARES) {
      const [oldestSlot, oldest] = spares.entries().next().value!;
      drop(oldestSlot, oldest);
    }
    const blank = files.blank();
    if (!blank) return;
    let child: SpareUploadPack['child'];
    try {
      child = spawnUploadPackInto(blank.fd, { repoDir, protocol });
    } catch {
      files.discard(blank);
      return;
    }
    const spare: Spare = { child, blank, setting, timer: setTimeout(() => drop(slot, spare), SPARE_IDLE_MS).unref() };
    child.on('error', () => drop(slot, spare));
    child.on('exit', () => drop(slot, spare));
    child.stdin.on('error', () => undefined);
    spares.set(slot, spare);
  };

  return {
    take(repoDir, protocol, setting) {
      const slot = slotOf(repoDir, protocol);
      const spare = spares.get(slot);
      if (!spare) return null;
      spares.delete(slot);
      clearTimeout(spare.timer);
      const inside = identityOf(`/proc/${spare.child.pid}/cwd`);
      const here = identityOf(repoDir);
      const running = spare.child.exitCode === null && spare.child.signalCode === null && spare.child.stdin.writable;
      // git is in the directory now at the repository's path (not one renamed away, or still starting).
      const current = inside !== null && here !== null && inside.dev === here.dev && inside.ino === here.ino;
      if (!running || !current || spare.setting !== setting) {
        stop(spare);
        return null;
      }
      return { child: spare.child, blank: spare.blank, abandon: () => stop(spare) };
    },
    missed(repoDir, protocol, setting, usedSpare) {
      if (!supported || closed) return;
      const slot = slotOf(repoDir, protocol);
      const previous = lastMiss.get(slot);
      lastMiss.delete(slot);
      if (lastMiss.size >= MAX_REMEMBERED_MISSES) lastMiss.delete(lastMiss.keys().next().value!);
      lastMiss.set(slot, Date.now());
      if (usedSpare || (previous !== undefined && previous >= Date.now() - SPARE_IDLE_MS)) start(repoDir, protocol, setting);
    },
    close() {
      closed = true;
      for (const [slot, spare] of spares) drop(slot, spare);
      lastMiss.clear();
    },
  };
}

/** The directory's device and inode; null when it is not one, or cannot be looked at. */
function identityOf(dir: string): { dev: number; ino: number } | null {
  try {
    const stat = fs.statSync(dir);
    return stat.isDirectory() ? { dev: stat.dev, ino: stat.ino } : null;
  } catch {
    return null;
  }
}
