import fs from 'node:fs';
import type { ChangeStamp } from './read-cache.js';

/**
 * SQLite's WAL-index header, read with one `pread` from the database's `-shm` file: the cheapest
 * change stamp there is. Every committed transaction, by any connection of any process, rewrites
 * this header (its change counter, last frame and checksums), and readers find committed data
 * through it, so an unchanged header means nothing was committed. The layout is SQLite's
 * documented file format (https://www.sqlite.org/walformat.html, "The WAL-Index Header"), shared by
 * every SQLite version since 3.7.0 because processes of different versions share the file.
 *
 * SQLite writes the header twice, second copy first; a reader that finds the copies equal and the
 * checksum right has a whole header. Anything else (a write under way, no `-shm` file, a header
 * this code does not recognise) answers with `fallback`, SQLite's own `data_version` stamp: a
 * different kind of value, so the switch itself only empties a cache, never keeps one.
 */
export function walIndexStamp(shmFile: string, fallback: ChangeStamp): { stamp: ChangeStamp; close(): void } {
  let fd = openShared(shmFile);
  const buffer = Buffer.alloc(HEADER_BYTES * 2);
  return {
    stamp() {
      if (fd === null) return fallback();
      const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
      return read === buffer.length && isWholeHeader(buffer) ? buffer.toString('latin1', 0, HEADER_BYTES) : fallback();
    },
    /** After the database connection is closed, never before (see openShared). */
    close() {
      if (fd !== null) closeShared(shmFile);
      fd = null;
    },
  };
}

/**
 * Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's own
 * locks on the WAL index included (SQLite's documented hazard). So a process keeps one descriptor
 * per `-shm` file, shared by every connection to that database, and closes it only when the last of
 * them has closed: by then this process holds no lock on it.
 */
const shared = new Map<string, { fd: number; users: number }>();

function openShared(shmFile: string): number | null {
  const known = shared.get(shmFile);
  if (known) {
    known.users++;
    return known.fd;
  }
  try {
    const fd = fs.openSync(shmFile, 'r');
    shared.set(shmFile, { fd, users: 1 });
    return fd;
  } catch {
    return null; // no WAL index (not in WAL mode, another VFS): SQLite's stamp does the work
  }
}

function closeShared(shmFile: string): void {
  const known = shared.get(shmFile);
  if (!known || --known.users > 0) return;
  shared.delete(shmFile);
  fs.closeSync(known.fd);
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
