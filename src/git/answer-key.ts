import fs from 'node:fs';
import path from 'node:path';
import { fileVersion, type GitSetting, RACY_MS, readIfExists } from './git-setting.js';
import { createPacketReader } from './pkt-line.js';

const MAX_LOOSE_REFS = 256;

/**
 * What git's answer to a request depends on, as a key: the repository's path, git's configuration
 * (see src/git/git-setting.ts), the protocol, the request's bytes and the refs (see refsState).
 * `settled`: every ref file is older than RACY_MS, so an answer made now may be kept under the key.
 */
export interface AnswerKey {
  key: string;
  settled: boolean;
  /** The refs part of the key (refsState). */
  refs: string;
  /** The configuration part of the key (src/git/git-setting.ts). */
  setting: string;
}

export type AnswerKeys = (repoDir: string, protocol: string | undefined, request: Buffer) => AnswerKey | null;

/** Null for a repository whose answers cannot be keyed (unusual configuration, many loose refs). */
export function createAnswerKeys(setting: GitSetting, now: () => number = Date.now): AnswerKeys {
  return (repoDir, protocol, request) => {
    const configured = setting(repoDir);
    if (configured === null) return null;
    const refs = refsState(repoDir);
    if (refs === null) return null;
    return {
      key: JSON.stringify([repoDir, configured, protocol ?? '', answeredPart(request), refs.key]),
      settled: refs.newestMtimeMs <= now() - RACY_MS,
      refs: refs.key,
      setting: configured,
    };
  };
}

/**
 * The request's bytes as far as git's answer depends on them: all but its `agent=` capability
 * lines, which git only records (serve.c traces it, nothing else reads it). So clients of different
 * git versions, as a fleet upgraded runner by runner has, share answers. Packets are dropped whole,
 * so what remains is still unambiguous pkt-lines; from a packet that is not well-framed on, the
 * request is kept as it is.
 */
export function answeredPart(request: Buffer): string {
  let kept = '';
  let offset = 0;
  try {
    createPacketReader((packet) => {
      // The capabilities end at the first delimiter or flush: the rest is the command's arguments.
      if (packet.type !== 'data') return false;
      const end = offset + 4 + packet.payload.length;
      if (packet.payload.toString('latin1', 0, 6) !== 'agent=') kept += request.toString('latin1', offset, end);
      offset = end;
      return true;
    }).feed(request);
  } catch {
    // MalformedPacketError: what follows is kept as it is.
  }
  return kept + request.toString('latin1', offset);
}

/**
 * Whether an answer git made after `key` was taken may be kept: a ref that moved while git ran could
 * be in the answer or not, so only if the key is unchanged now, and settled.
 */
export function isStillSettled(now: AnswerKey | null, key: string): boolean {
  return now?.key === key && now.settled;
}

/**
 * The identities of HEAD, packed-refs, shallow (a fetch's answer depends on it) and every file under
 * refs/ (lock files included), and the newest of their modification times; null past
 * MAX_LOOSE_REFS loose refs.
 */
export function refsState(repoDir: string): { key: string; newestMtimeMs: number } | null {
  const root = path.join(repoDir, 'refs');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { recursive: true, withFileTypes: true });
  } catch {
    return null;
  }
  const files = [path.join(repoDir, 'HEAD'), path.join(repoDir, 'packed-refs'), path.join(repoDir, 'shallow')];
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    if (files.length >= MAX_LOOSE_REFS + 3) return null;
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

/**
 * The object ids the refs point at (HEAD when detached, packed-refs, loose refs; symbolic refs
 * name another ref). Read at the moment of the call: pair it with a refsState key taken before and
 * after to know which refs it belongs to.
 */
export function refTips(repoDir: string): Set<string> {
  const tips = new Set<string>();
  const add = (text: string | null) => {
    const oid = /^[0-9a-f]{40}(?=\s|$)/.exec(text ?? '')?.[0];
    if (oid) tips.add(oid);
  };
  add(readIfExists(path.join(repoDir, 'HEAD')));
  for (const line of (readIfExists(path.join(repoDir, 'packed-refs')) ?? '').split('\n')) add(line);
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(path.join(repoDir, 'refs'), { recursive: true, withFileTypes: true });
  } catch {
    // No refs/ (a repository being deleted): the refs state taken after says so.
  }
  for (const entry of entries) {
    if (entry.isFile()) add(readIfExists(path.join(entry.parentPath ?? entry.path, entry.name)));
  }
  return tips;
}
