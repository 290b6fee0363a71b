import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { isWholeHeader, walIndexStamp } from './wal-index-stamp.js';

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

test('the WAL-index stamp stays the same across reads and changes with every commit, from any connection', () => {
  withDatabase((file, native) => {
    const walIndex = walIndexStamp(`${file}-shm`, noFallback);
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
    return () => walIndex.close();
  });
});

test('a header whose two copies differ, or whose checksum is wrong, is not trusted', () => {
  withDatabase((file) => {
    const copies = Buffer.alloc(96);
    const fd = fs.openSync(`${file}-shm`, 'r');
    fs.readSync(fd, copies, 0, 96, 0);
    assert.equal(isWholeHeader(copies), true, 'the header SQLite wrote');

    const halfWritten = Buffer.from(copies);
    halfWritten[48 + 16] = (halfWritten[48 + 16]! + 1) & 0xff;
    assert.equal(isWholeHeader(halfWritten), false, 'copies differ while a commit is being written');

    const corrupt = Buffer.from(copies);
    corrupt[16] = (corrupt[16]! + 1) & 0xff;
    corrupt[48 + 16] = corrupt[16]!;
    assert.equal(isWholeHeader(corrupt), false, 'equal copies with a wrong checksum');
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
