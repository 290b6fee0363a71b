import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { type OpenDatabase, openDatabase } from './open-database.js';

/** Kept referenced until the process exits (see withStatementCache in open-database.ts). */
const retained: unknown[] = [];

const SCHEMA = `
  CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, note TEXT);
  CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, name TEXT);
  INSERT INTO a VALUES (1, 'one', 1.5, x'00ff', NULL), (2, 'two', -2, NULL, 'é ✓');
  INSERT INTO b VALUES (10, 1, 'first'), (11, 2, 'second');
`;

/** A fresh SQLite database in a directory of its own, removed after `use`. */
async function withDatabase(use: (opened: OpenDatabase, dir: string) => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-rows-'));
  const opened = await openDatabase({ dataDir: dir, databaseUrl: null });
  try {
    await use(opened, dir);
  } finally {
    await opened.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same SQL through Gitgate's Kysely and through better-sqlite3's own row objects. */
function withBoth(
  use: (run: (text: string) => Promise<unknown[]>, native: (text: string) => unknown[]) => Promise<void>,
) {
  return withDatabase(async ({ db }, dir) => {
    const native = new SQLite(path.join(dir, 'gitgate.db'));
    retained.push(native);
    try {
      native.exec(SCHEMA);
      const run = async (text: string) => (await sql.raw(text).execute(db)).rows;
      const nativeRows = (text: string) => {
        const statement = native.prepare(text);
        retained.push(statement);
        return statement.all();
      };
      await use(run, nativeRows);
    } finally {
      native.close();
    }
  });
}

test('rows read through Kysely are the rows better-sqlite3 builds, value for value', async () => {
  await withBoth(async (run, native) => {
    for (const text of [
      'SELECT * FROM a ORDER BY id',
      // Two columns named alike: the later one wins, as in better-sqlite3's own rows.
      'SELECT a.*, b.* FROM a JOIN b ON b.a_id = a.id ORDER BY a.id',
      'SELECT count(*) AS n, sum(score) AS total FROM a',
      'SELECT * FROM a WHERE id = 99',
      // Names that would break generated code if they were not quoted as they should be.
      `SELECT id AS "a""b", name AS 'x\ny', score AS "0", note AS "constructor", id AS "\u2028" FROM a ORDER BY id`,
    ]) {
      const rows = await run(text);
      assert.deepEqual(rows, native(text), text);
      // Twice: a kept statement reads the same again.
      assert.deepEqual(await run(text), rows, text);
    }
    const [first] = (await run('SELECT * FROM a WHERE id = 1')) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(first!), ['id', 'name', 'score', 'data', 'note']);
    assert.ok(Buffer.isBuffer(first!.data));
    // A column named __proto__ is a field of the row, not its prototype.
    const [odd] = (await run('SELECT name AS "__proto__", id FROM a WHERE id = 1')) as Record<string, unknown>[];
    assert.deepEqual(Object.getOwnPropertyDescriptor(odd!, '__proto__')?.value, first!.name);
    assert.equal(Object.getPrototypeOf(odd!), Object.prototype);
    assert.deepEqual(Object.keys(odd!), ['__proto__', 'id']);
  });
});

test('streamed rows, rows returned by a write, and writes themselves read as before', async () => {
  await withDatabase(async ({ db }) => {
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`.execute(db);
    const insert = await sql`INSERT INTO t (name) VALUES ('x'), ('y')`.execute(db);
    assert.equal(insert.numAffectedRows, 2n);
    const returned = await sql`INSERT INTO t (name) VALUES ('z') RETURNING id, name`.execute(db);
    assert.deepEqual(returned.rows, [{ id: 3, name: 'z' }]);
    const streamed: unknown[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: a raw query streamed through Kysely's untyped table
    for await (const row of (db as any).selectFrom('t').selectAll().orderBy('id').stream())
      streamed.push(row);
    assert.deepEqual(streamed, [
      { id: 1, name: 'x' },
      { id: 2, name: 'y' },
      { id: 3, name: 'z' },
    ]);
  });
});

test('queries run at once read and write what Kysely would, and wait their turn while a transaction is open', async () => {
  await withDatabase(async ({ db, syncQueries }) => {
    assert.ok(syncQueries, 'SQLite runs queries at once');
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`.execute(db);
    await sql`INSERT INTO t (name) VALUES ('x'), ('y')`.execute(db);
    const text = 'SELECT * FROM t WHERE id >= ? ORDER BY id';
    assert.deepEqual(syncQueries.read(text, [1]), (await sql.raw(text.replace('?', '1')).execute(db)).rows);
    assert.deepEqual(syncQueries.read(text, [2]), [{ id: 2, name: 'y' }]);

    assert.equal(
      syncQueries.writeEach('UPDATE t SET name = ? WHERE id = ?', [
        ['X', 1],
        ['Y', 2],
      ]),
      true,
    );
    assert.deepEqual((await sql`SELECT name FROM t ORDER BY id`.execute(db)).rows, [
      { name: 'X' },
      { name: 'Y' },
    ]);
    // One transaction: a failing write leaves none of the others.
    assert.throws(
      () =>
        syncQueries.writeEach('INSERT INTO t (id, name) VALUES (?, ?)', [
          [3, 'z'],
          [1, 'taken'],
        ]),
      /UNIQUE/,
    );
    assert.deepEqual((await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db)).rows, [{ n: 2 }]);

    let read: unknown[] | null = [];
    let wrote = true;
    await db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t (name) VALUES ('uncommitted')`.execute(trx);
      // Neither reads the transaction's own writes nor joins it: the caller goes through Kysely.
      read = syncQueries.read(text, [1]);
      wrote = syncQueries.writeEach('UPDATE t SET name = ? WHERE id = ?', [['joined', 1]]);
    });
    assert.equal(read, null);
    assert.equal(wrote, false);
    assert.deepEqual(syncQueries.read(text, [1]), [
      { id: 1, name: 'X' },
      { id: 2, name: 'Y' },
      { id: 3, name: 'uncommitted' },
    ]);
  });
});
