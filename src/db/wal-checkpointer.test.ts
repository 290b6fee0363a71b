import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { eventually } from '../../test/helpers/eventually.js';
import { openDatabase } from './open-database.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
import { walIndexStamp } from './wal-index-stamp.js';

/** Every better-sqlite3 object made here stays referenced (see withStatementCache in open-database.ts). */
const retained: unknown[] = [];

/** 600 rows of a page each, in one transaction: 600 frames, fewer than SQLite's own 1,000. */
const BURST = Array.from({ length: 600 }, () => []);
const INSERT_PAGE = 'INSERT INTO load (body) VALUES (randomblob(3000))';

/**
 * What a copy of the database file alone (no WAL beside it) holds: only what was checkpointed.
 * A copy made while a checkpoint writes the file may be torn: null then, and the caller looks again.
 */
function rowsInFileAlone(file: string): number | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-copy-'));
  const copy = path.join(dir, 'copy.db');
  fs.copyFileSync(file, copy);
  const native = new SQLite(copy);
  retained.push(native);
  try {
    const check = native.prepare('PRAGMA quick_check').pluck().get();
    if (check !== 'ok') return null;
    const hasTable = native.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'load'").get() as { n: number };
    return hasTable.n === 0 ? 0 : (native.prepare('SELECT count(*) AS n FROM load').get() as { n: number }).n;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CORRUPT') return null;
    throw error;
  } finally {
    native.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('under frequent writes, what is committed reaches the database file without 1,000 frames in the WAL', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-ckpt-'));
  const opened = await openDatabase({ dataDir, databaseUrl: null });
  try {
    const writes = opened.syncQueries!;
    writes.writeEach('CREATE TABLE load (id INTEGER PRIMARY KEY, body BLOB)', [[]]);
    await sleep(1100); // a tick reads where the WAL stands
    writes.writeEach(INSERT_PAGE, BURST);
    writes.writeEach(INSERT_PAGE, [[]]);
    // SQLite alone would leave all 601 rows in the WAL until 1,000 frames; the thread copies them.
    const file = path.join(dataDir, 'gitgate.db');
    await eventually(() => rowsInFileAlone(file) === 601, '601 rows in the database file', 10_000);
  } finally {
    await opened.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A WAL database with the checkpointer beside it, its ticks short; the frames it asked of the connection. */
async function withCheckpointer(
  use: (context: { native: SQLite.Database; checkpointer: WalCheckpointer; ownFrames: number[] }) => Promise<void>,
  overrides: { file?: string; onError?: (error: unknown) => void } = {},
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-ckpt-'));
  const file = path.join(dir, 'test.db');
  const native = new SQLite(file);
  retained.push(native);
  // As openDatabase does: WAL, and a first read, which makes the WAL index. No write yet.
  native.exec('PRAGMA journal_mode = WAL');
  native.exec('SELECT count(*) FROM sqlite_master');
  const walIndex = walIndexStamp(`${file}-shm`, () => 'fallback');
  const ownFrames: number[] = [];
  const checkpointer = startWalCheckpointer({
    file: overrides.file ?? file,
    progress: walIndex.progress,
    setOwnCheckpointFrames: (frames) => ownFrames.push(frames),
    tickMs: 50,
    quietTicks: 4,
    onError: overrides.onError,
  });
  try {
    await sleep(120);
    // The first write into a new WAL: SQLite draws its salts at random, so the WAL looks started over.
    native.exec('CREATE TABLE load (id INTEGER PRIMARY KEY, body BLOB)');
    await use({ native, checkpointer, ownFrames });
  } finally {
    await checkpointer.close();
    native.close();
    walIndex.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function burst(native: SQLite.Database) {
  const insert = native.prepare(INSERT_PAGE);
  retained.push(insert);
  native.transaction(() => {
    for (let i = 0; i < BURST.length; i++) insert.run();
  })();
}

test('the checkpoint thread starts on a burst of writes, stops once they stop, and is not started by a few writes', async () => {
  await withCheckpointer(async ({ native, checkpointer, ownFrames }) => {
    await sleep(120);
    native.exec('INSERT INTO load (body) VALUES (randomblob(3000))');
    await sleep(200);
    assert.equal(checkpointer.running, false, 'a new WAL\'s first write and one row do not start the thread');
    burst(native);
    await eventually(() => checkpointer.running, 'the thread to start', 10_000);
    assert.deepEqual(ownFrames, [10_000], 'the connection checkpoints only past 10,000 frames while the thread runs');
    await eventually(() => !checkpointer.running, 'the thread to stop', 10_000);
    assert.deepEqual(ownFrames, [10_000, 1000], 'then at SQLite\'s 1,000 again');
    native.exec('INSERT INTO load (body) VALUES (randomblob(3000))');
    await sleep(300);
    assert.equal(checkpointer.running, false);
  });
});

test('closing stops the checkpoint thread', async () => {
  await withCheckpointer(async ({ native, checkpointer }) => {
    await sleep(120);
    burst(native);
    await eventually(() => checkpointer.running, 'the thread to start', 10_000);
    await checkpointer.close();
    assert.equal(checkpointer.running, false);
  });
});

test('a checkpoint thread that fails hands checkpoints back to the connection and is not started again', async () => {
  const errors: unknown[] = [];
  await withCheckpointer(
    async ({ native, checkpointer, ownFrames }) => {
      await sleep(120);
      burst(native);
      await eventually(() => errors.length === 1, 'the failure to be told', 10_000);
      await eventually(() => !checkpointer.running, 'the thread to end', 10_000);
      assert.deepEqual(ownFrames, [10_000, 1000]);
      burst(native);
      await sleep(300);
      assert.equal(checkpointer.running, false);
      assert.equal(errors.length, 1);
    },
    { file: path.join(os.tmpdir(), 'gitgate-no-such-dir', 'missing.db'), onError: (error) => errors.push(error) },
  );
  assert.match(String((errors[0] as Error).message), /unable to open|no such file|directory does not exist/i);
});
