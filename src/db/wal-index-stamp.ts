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
): { stamp: ChangeStamp; close(): void; readsMemory: boolean } {
  let file = openShared(shmFile);
  let mapped = options.map === false ? null : (file?.mapped ?? null);
  const buffer = Buffer.alloc(HEADER_BYTES * 2);
  return {
    readsMemory: mapped !== null,
    stamp() {
      if (file === null) return fallback();
      if (mapped) {
        // Copy 0, then copy 1: SQLite writes copy 1 first, so copies read in this order and found
        // equal were not caught halfway through a commit (SQLite's walIndexTryHdr reads them so).
        mapped.copy(buffer, 0, 0, HEADER_BYTES);
        mapped.copy(buffer, HEADER_BYTES, HEADER_BYTES, HEADER_BYTES * 2);
      } else if (fs.readSync(file.fd, buffer, 0, buffer.length, 0) !== buffer.length) return fallback();
      return isWholeHeader(buffer) ? buffer.toString('latin1', 0, HEADER_BYTES) : fallback();
    },
    /** After the database connection is closed, never before (see openShared). */
    close() {
      if (file !== null) closeShared(shmFile);
      file = null;
      mapped = null; // unmapped by the addon once no one references it
    },
  };
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
const CHECKSUMMED_BYTES = 40;
const WALINDEX_VERSION = 3007000;

/**
 * The two copies agree, the header is initialised, and its checksum holds. SQLite sums it in the
 * host's byte order, read here as little-endian (x86-64, arm64): on a big-endian host the checksum
 * never holds and the fallback answers.
 */
export function isWholeHeader(copies: Buffer): boolean {
  if (copies.compare(copies, 0, HEADER_BYTES, HEADER_BYTES, HEADER_BYTES * 2) !== 0) return false;
  if (copies.readUInt32LE(0) !== WALINDEX_VERSION || copies[12] !== 1) return false;
  let s1 = 0;
  let s2 = 0;
  for (let offset = 0; offset < CHECKSUMMED_BYTES; offset += 8) {
    s1 = (s1 + copies.readUInt32LE(offset) + s2) >>> 0;
    s2 = (s2 + copies.readUInt32LE(offset + 4) + s1) >>> 0;
  }
  return s1 === copies.readUInt32LE(CHECKSUMMED_BYTES) && s2 === copies.readUInt32LE(CHECKSUMMED_BYTES + 4);
}
