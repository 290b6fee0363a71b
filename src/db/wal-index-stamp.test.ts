import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import SQLite from 'better-sqlite3';
import { canMapWalIndex, headerChecksum, isWholeHeader, walIndexStamp } from './wal-index-stamp.js';

/**
 * Every better-sqlite3 object this file makes stays referenced until the process exits: on Node 24,
 * better-sqlite3 12 aborts the process when V8 collects one at an unlucky moment (see
 * withStatementCache in open-database.ts).
 */
const retained: unknown[] = [];
const openDatabase = (file: string) => {
  const native = new SQLite(file);
  retained.push(native);
  return native;
};

const noFallback = () => {
  throw new Error('the fallback was asked');
};

/** A WAL database; what `use` opens beside it is closed after it (see openShared). */
function withDatabase(use: (file: string, native: SQLite.Database) => () => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-wal-'));
  const file = path.join(dir, 'test.db');
  const native = openDatabase(file);
  let closeAfter = () => {};
  try {
    native.exec('PRAGMA journal_mode = WAL');
    native.exec('CREATE TABLE t (a INTEGER)');
    closeAfter = use(file, native);
  } finally {
    native.close();
    closeAfter();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The mapped header is what the server reads where the optional addon is built. CI builds it and
 * sets GITGATE_REQUIRE_MMAP=1: there a missing addon fails the run instead of skipping its tests.
 */
const noMapping = canMapWalIndex ? false : 'the optional addon (src/db/wal-index-map.c) is not built: the server reads its stamp with pread';
if (noMapping && process.env.GITGATE_REQUIRE_MMAP === '1') throw new Error(`GITGATE_REQUIRE_MMAP=1, but ${noMapping}`);
const readers = [
  { reads: 'from a mapping of the file', map: true },
  { reads: 'with pread', map: false },
] as const;

/** A commit made by another process: SQLite's `-shm` is shared memory, written through its own mapping there. */
function commitFromAnotherProcess(file: string) {
  const script = `const SQLite = require('better-sqlite3'); const db = new SQLite(process.argv[1]); db.exec('INSERT INTO t VALUES (9)'); db.close();`;
  execFileSync(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: 'inherit' });
}

for (const { reads, map } of readers) {
  const name = `the WAL-index stamp, read ${reads}, stays the same across reads and changes with every commit, from any connection or process`;
  test(name, { skip: map && noMapping }, () => {
    withDatabase((file, native) => {
      const walIndex = walIndexStamp(`${file}-shm`, noFallback, { map });
      assert.equal(walIndex.readsMemory, map);
      const first = walIndex.stamp();
      const count = native.prepare('SELECT count(*) FROM t');
      retained.push(count);
      count.get();
      assert.equal(walIndex.stamp(), first, 'a read commits nothing');

      native.exec('INSERT INTO t VALUES (1)');
      const afterOwnWrite = walIndex.stamp();
      assert.notEqual(afterOwnWrite, first, "this connection's commit");

      const other = openDatabase(file);
      try {
        other.exec('INSERT INTO t VALUES (2)');
      } finally {
        other.close();
      }
      const afterOtherWrite = walIndex.stamp();
      assert.notEqual(afterOtherWrite, afterOwnWrite, "another connection's commit");

      native.exec('BEGIN; INSERT INTO t VALUES (3); ROLLBACK');
      assert.equal(walIndex.stamp(), afterOtherWrite, 'a rolled-back transaction commits nothing');

      commitFromAnotherProcess(file);
      assert.notEqual(walIndex.stamp(), afterOtherWrite, "another process's commit");
      return () => walIndex.close();
    });
  });

  test(`where the WAL stands, read ${reads}: frames committed, frames checkpointed, and a new generation when it starts over`, { skip: map && noMapping }, () => {
    withDatabase((file, native) => {
      const walIndex = walIndexStamp(`${file}-shm`, noFallback, { map });
      const before = walIndex.progress()!;
      native.exec('INSERT INTO t VALUES (1)');
      const after = walIndex.progress()!;
      assert.equal(after.generation, before.generation);
      assert.equal(after.frames, before.frames + 1, 'one page written, one frame');
      assert.equal(after.backfilled, 0, 'nothing checkpointed yet');

      native.exec('PRAGMA wal_checkpoint(PASSIVE)');
      const copied = walIndex.progress()!;
      assert.equal(copied.backfilled, copied.frames, 'every frame copied into the database file');

      native.exec('INSERT INTO t VALUES (2)');
      const over = walIndex.progress()!;
      assert.equal(over.generation, (copied.generation + 1) >>> 0, 'the WAL started over: its first salt plus one');
      assert.equal(over.frames, 1);
      return () => walIndex.close();
    });
  });
}

test('the mapping is one read-only, shared view of the WAL index, for every connection to it', { skip: noMapping }, () => {
  withDatabase((file) => {
    const shm = `${fs.realpathSync(file)}-shm`;
    const views = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.endsWith(shm) && / r--s 00000000 /.test(line));
    const first = walIndexStamp(`${file}-shm`, noFallback);
    const second = walIndexStamp(`${file}-shm`, noFallback);
    assert.equal(views().length, 1, "one view of its first page, beside SQLite's own read-write one");
    return () => {
      first.close();
      second.close();
    };
  });
});

test('a header whose two copies differ, or whose checksum is wrong, is not trusted', () => {
  withDatabase((file) => {
    const copies = Buffer.alloc(96);
    const fd = fs.openSync(`${file}-shm`, 'r');
    fs.readSync(fd, copies, 0, 96, 0);
    // As the stamp reads them: the 32-bit words SQLite wrote, in this host's byte order.
    const wordsOf = (bytes: Buffer) => new Uint32Array(new Uint8Array(bytes).buffer);
    assert.equal(isWholeHeader(wordsOf(copies)), true, 'the header SQLite wrote');

    const halfWritten = Buffer.from(copies);
    halfWritten[48 + 16] = (halfWritten[48 + 16]! + 1) & 0xff;
    assert.equal(isWholeHeader(wordsOf(halfWritten)), false, 'copies differ while a commit is being written');

    const corrupt = Buffer.from(copies);
    corrupt[16] = (corrupt[16]! + 1) & 0xff;
    corrupt[48 + 16] = corrupt[16]!;
    assert.equal(isWholeHeader(wordsOf(corrupt)), false, 'equal copies with a wrong checksum');

    // isInit 0, with the checksum SQLite would write for it: only the isInit check can refuse it.
    const uninitialised = wordsOf(copies);
    new Uint8Array(uninitialised.buffer)[12] = 0;
    uninitialised.set(headerChecksum(uninitialised), 10);
    uninitialised.copyWithin(12, 0, 12);
    assert.equal(isWholeHeader(uninitialised), false, 'a header not yet initialised (isInit 0)');
    new Uint8Array(uninitialised.buffer)[12] = 1;
    new Uint8Array(uninitialised.buffer)[48 + 12] = 1;
    assert.equal(isWholeHeader(uninitialised), false, 'and the same header with isInit 1 fails its checksum');
    return () => fs.closeSync(fd);
  });
});

test('without a WAL-index file the stamp is the fallback', () => {
  const walIndex = walIndexStamp(path.join(os.tmpdir(), 'gitgate-no-such-db-shm'), () => 'fallback');
  assert.equal(walIndex.stamp(), 'fallback');
  walIndex.close();
});

test('connections to one database share one descriptor of its WAL index, closed with the last of them', () => {
  withDatabase((file) => {
    const target = (fd: string) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return null; // the descriptor that listed the folder, closed since
      }
    };
    const open = () => fs.readdirSync('/proc/self/fd').filter((fd) => target(fd) === `${file}-shm`).length;
    const before = open();
    const first = walIndexStamp(`${file}-shm`, noFallback);
    const second = walIndexStamp(`${file}-shm`, noFallback);
    assert.equal(open(), before + 1, 'one descriptor for both');
    first.close();
    assert.equal(open(), before + 1, 'still open for the second');
    assert.equal(typeof second.stamp(), 'string');
    return () => {
      second.close();
      assert.equal(open(), 0, 'closed with the last (the connection is closed by then)');
    };
  });
});
