import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { ChangeStamp } from './read-cache.js';

/**
 * SQLite's WAL-index header, read from the database's `-shm` file: the cheapest change stamp there
 * is. Every committed transaction, by any connection of any process, rewrites
 * this header (its change counter, last frame and checksums), and readers find committed data
 * through it, so an unchanged header means nothing was committed. The layout is SQLite's
 * documented file format (https://www.sqlite.org/walformat.html, "The WAL-Index Header"), shared by
 * every SQLite version since 3.7.0 because processes of different versions share the file.
 *
 * SQLite writes the header twice, second copy first; a reader that finds the copies equal and the
 * checksum right has a whole header. Anything else (a write under way, no `-shm` file, a header
 * this code does not recognise) answers with `fallback`, SQLite's own `data_version` stamp: a
 * different kind of value, so the switch itself only empties a cache, never keeps one.
 *
 * Where the file can be mapped into memory (see mapShared), the header is read from the mapping, as
 * SQLite's own readers read it: no system call per stamp, where one `pread` cost ~4 us of a ~55 us
 * API request on a machine whose system calls are slow. Otherwise (or with `map: false`), `pread`.
 */
export function walIndexStamp(
  shmFile: string,
  fallback: ChangeStamp,
  options: { map?: boolean } = {},
): { stamp: ChangeStamp; progress(): WalProgress | null; close(): void; readsMemory: boolean } {
  let file = openShared(shmFile);
  const mapped = options.map === false ? null : (file?.mapped ?? null);
  // The two copies as read, as bytes and as the 32-bit words SQLite wrote (in the host's order).
  const words = new Uint32Array(HEADER_WORDS * 2);
  const bytes = Buffer.from(words.buffer);
  // Views of the mapping's two copies, made once: copying from them is one built-in call each.
  let copies = mapped && [mapped.subarray(0, HEADER_BYTES), mapped.subarray(HEADER_BYTES, HEADER_BYTES * 2)];
  // The last whole header and its stamp: while no commit changes it (every request between
  // commits), the same string is answered, with none built and none compared character by character.
  const lastWords = new Uint32Array(HEADER_WORDS);
  let lastStamp: string | null = null;
  /** Reads both copies into `words`: true when they hold a whole header. */
  const readWholeHeader = (open: SharedFile): boolean => {
    if (copies) {
      // Copy 0, then copy 1: SQLite writes copy 1 first, so copies read in this order and found
      // equal were not caught halfway through a commit (SQLite's walIndexTryHdr reads them so).
      bytes.set(copies[0]!, 0);
      bytes.set(copies[1]!, HEADER_BYTES);
    } else if (fs.readSync(open.fd, bytes, 0, bytes.length, 0) !== bytes.length) return false;
    return isWholeHeader(words);
  };
  const backfilled = new Uint32Array(1);
  const backfilledBytes = new Uint8Array(backfilled.buffer);
  return {
    readsMemory: mapped !== null,
    stamp() {
      if (file === null || !readWholeHeader(file)) return fallback();
      if (lastStamp !== null && sameWords(lastWords, words)) return lastStamp;
      for (let i = 0; i < HEADER_WORDS; i++) lastWords[i] = words[i]!;
      lastStamp = bytes.toString('latin1', 0, HEADER_BYTES);
      return lastStamp;
    },
    /** Where the WAL stands, or null when its index cannot be read (see WalProgress). */
    progress() {
      if (file === null || !readWholeHeader(file)) return null;
      if (mapped) backfilledBytes.set(mapped.subarray(BACKFILLED_OFFSET, BACKFILLED_OFFSET + 4));
      else if (fs.readSync(file.fd, backfilledBytes, 0, 4, BACKFILLED_OFFSET) !== 4) return null;
      return { generation: bytes.readUInt32BE(SALT_OFFSET), frames: words[MX_FRAME_WORD]!, backfilled: backfilled[0]! };
    },
    /** After the database connection is closed, never before (see openShared). */
    close() {
      if (file !== null) closeShared(shmFile);
      file = null;
      copies = null; // the mapping is unmapped by the addon once no one references it
    },
  };
}

/**
 * Where the WAL stands. `frames` were committed to it since it last started over, of which the
 * first `backfilled` are copied into the database file (checkpointed). `generation` changes each
 * time the WAL starts over, at the first commit after a checkpoint has copied every frame (SQLite
 * adds one to its first salt), and at a new WAL's first commit (SQLite draws the salts at random).
 * Read without a lock, as a hint: `backfilled` may be a checkpoint's step behind.
 */
export interface WalProgress {
  generation: number;
  frames: number;
  backfilled: number;
}

interface SharedFile {
  fd: number;
  /** The file's first page, mapped read-only and shared, or null where mapping is unavailable. */
  mapped: Buffer | null;
  users: number;
}

/**
 * Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's own
 * locks on the WAL index included (SQLite's documented hazard). So a process keeps one descriptor
 * per `-shm` file, shared by every connection to that database, and closes it only when the last of
 * them has closed: by then this process holds no lock on it.
 */
const shared = new Map<string, SharedFile>();

function openShared(shmFile: string): SharedFile | null {
  const known = shared.get(shmFile);
  if (known) {
    known.users++;
    return known;
  }
  let fd: number;
  try {
    fd = fs.openSync(shmFile, 'r');
  } catch {
    return null; // no WAL index (not in WAL mode, another VFS): SQLite's stamp does the work
  }
  const file = { fd, mapped: mapShared(fd), users: 1 };
  shared.set(shmFile, file);
  return file;
}

function closeShared(shmFile: string): void {
  const known = shared.get(shmFile);
  if (!known || --known.users > 0) return;
  shared.delete(shmFile);
  fs.closeSync(known.fd);
}

const PAGE_BYTES = 4096;

/**
 * `mapSharedReadOnly(fd, length)` from this project's own addon (wal-index-map.c), built by `npm ci`
 * (node-gyp) where a C compiler is at hand; null where it was not built: then `pread`. The package
 * root is two folders up both from the sources (src/db) and from the bundle (dist/bundle).
 */
const mapSharedReadOnly = (() => {
  try {
    const addon = createRequire(import.meta.url)('../../build/Release/wal_index_map.node') as { mapSharedReadOnly: (fd: number, length: number) => Buffer };
    return addon.mapSharedReadOnly;
  } catch {
    return null;
  }
})();

/** Whether stamps can be read from memory here (see mapSharedReadOnly). */
export const canMapWalIndex = mapSharedReadOnly !== null;

/**
 * The WAL index's first page, mapped as SQLite maps it (shared), or null. Mapping is safe while a
 * connection of this process has the database open: SQLite truncates the file only when it opens it
 * with no other connection anywhere, and every read here happens before this process's last
 * connection closes (see closeShared). A file shorter than a page is not mapped (reading past its
 * end would kill the process).
 */
function mapShared(fd: number): Buffer | null {
  if (!mapSharedReadOnly || fs.fstatSync(fd).size < PAGE_BYTES) return null;
  try {
    return mapSharedReadOnly(fd, PAGE_BYTES);
  } catch {
    return null; // a file that cannot be mapped is read instead
  }
}

/** struct WalIndexHdr: iVersion, unused, iChange, isInit, bigEndCksum, szPage, mxFrame, nPage, aFrameCksum[2], aSalt[2], aCksum[2]. */
const HEADER_BYTES = 48;
const HEADER_WORDS = HEADER_BYTES / 4;
/** The checksum covers the header up to aCksum: its first 10 words. */
const CHECKSUMMED_WORDS = 10;
const MX_FRAME_WORD = 4;
/** aSalt[0], which SQLite stores big-endian and adds one to when the WAL starts over. */
const SALT_OFFSET = 32;
/** struct WalCkptInfo follows the two header copies; its first word is nBackfill. */
const BACKFILLED_OFFSET = HEADER_BYTES * 2;
const WALINDEX_VERSION = 3007000;
/** isInit is the byte at offset 12: word 3's low byte on a little-endian host, its high byte on a big-endian one. */
const IS_INIT_WORD = 3;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const IS_INIT_MASK = LITTLE_ENDIAN ? 0xff : 0xff000000 | 0;
const IS_INIT = LITTLE_ENDIAN ? 1 : 1 << 24;

/**
 * The two copies (24 words, as SQLite wrote them, in the host's byte order) agree, the header is
 * initialised, and its checksum holds. SQLite sums the header in the host's byte order
 * (walIndexWriteHdr), as the words are read here.
 */
export function isWholeHeader(copies: Uint32Array): boolean {
  if (!sameWords(copies, copies, HEADER_WORDS)) return false;
  if (copies[0] !== WALINDEX_VERSION || (copies[IS_INIT_WORD]! & IS_INIT_MASK) !== IS_INIT) return false;
  const sums = headerChecksum(copies);
  return sums[0] === copies[CHECKSUMMED_WORDS] && sums[1] === copies[CHECKSUMMED_WORDS + 1];
}

const checksum = new Uint32Array(2);

/**
 * SQLite's checksum of a header (walChecksumBytes over its first 10 words, as the host reads them),
 * in a pair made once (the stamp checks one on every request): valid until the next call.
 */
export function headerChecksum(header: Uint32Array): Uint32Array {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < CHECKSUMMED_WORDS; i += 2) {
    s1 = (s1 + header[i]! + s2) >>> 0;
    s2 = (s2 + header[i + 1]! + s1) >>> 0;
  }
  checksum[0] = s1;
  checksum[1] = s2;
  return checksum;
}

/** A header's words equal those `offset` words into `other` (a header's second copy, or the last one read). */
function sameWords(header: Uint32Array, other: Uint32Array, offset = 0): boolean {
  for (let i = 0; i < HEADER_WORDS; i++) if (header[i] !== other[offset + i]) return false;
  return true;
}
