import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadCache } from './read-cache.js';

function counter() {
  let version = 0;
  return { stamp: () => String(version), write: () => void version++ };
}

test('a value is read once while the database is unchanged, and again after any write', async () => {
  const db = counter();
  const cached = createReadCache<string, number>(db.stamp);
  let reads = 0;
  const load = async () => ++reads;
  assert.equal(await cached('a', load), 1);
  assert.equal(await cached('a', load), 1);
  db.write();
  assert.equal(await cached('a', load), 2);
});

test('a value read while a write landed is returned, and not served once the write is seen', async () => {
  const db = counter();
  const cached = createReadCache<string, string>(db.stamp);
  assert.equal(
    await cached('a', async () => {
      db.write();
      return 'read during a write';
    }),
    'read during a write',
  );
  assert.equal(await cached('a', async () => 'read again'), 'read again');
});

test('a value loaded while another call moved the cache on to a newer stamp is not kept', async () => {
  const db = counter();
  const cached = createReadCache<string, string>(db.stamp);
  let finish = (_value: string) => {};
  const slow = cached('a', () => new Promise<string>((resolve) => (finish = resolve)));
  db.write();
  assert.equal(await cached('b', async () => 'b'), 'b', 'another call sees the commit');
  finish('read before the commit');
  assert.equal(await slow, 'read before the commit');
  assert.equal(await cached('a', async () => 'read after the commit'), 'read after the commit');
});

test('a value loaded at once is answered and kept without a promise', () => {
  const db = counter();
  const cached = createReadCache<string, number>(db.stamp);
  let reads = 0;
  const load = () => ++reads;
  assert.equal(cached('a', load), 1);
  assert.equal(cached('a', load), 1, 'kept');
  db.write();
  assert.equal(cached('a', load), 2, 'read again after a write');
});

test('without a change stamp (PostgreSQL) nothing is cached', async () => {
  const cached = createReadCache<string, number>(null);
  let reads = 0;
  await cached('a', async () => ++reads);
  assert.equal(await cached('a', async () => ++reads), 2);
});

test('the cache holds at most its bound, dropping the oldest entry', async () => {
  const db = counter();
  const cached = createReadCache<number, number>(db.stamp, 2);
  for (const key of [1, 2, 3]) await cached(key, async () => key);
  assert.equal(await cached(1, async () => -1), -1, 'the oldest was dropped');
  assert.equal(await cached(3, async () => -3), 3, 'the newest was kept');
});

test("a request's stamp reading serves its other lookups; the next request reads the stamp again", async () => {
  let version = 0;
  let reads = 0;
  const stamp = () => {
    reads++;
    return String(version);
  };
  const tokens = createReadCache<string, string>(stamp);
  const repos = createReadCache<string, string>(stamp);
  const request = async (repo: string) => {
    const reading = {};
    await tokens('t', async () => 'token', reading);
    return repos('r', async () => repo, reading);
  };
  assert.equal(await request('repo v0'), 'repo v0');
  assert.equal(reads, 2, 'the repository cache had never read the stamp');
  assert.equal(await request('not read'), 'repo v0');
  assert.equal(reads, 3, 'one reading for both lookups');
  version++;
  assert.equal(await request('repo v1'), 'repo v1', 'a commit before the request is seen by all its lookups');
  assert.equal(reads, 5);
});

test('a reading older than what a cache holds is not reused there: the stamp is read again', async () => {
  const db = counter();
  const cached = createReadCache<string, string>(db.stamp);
  const early = {};
  await cached('a', async () => 'before', early);
  db.write();
  assert.equal(await cached('a', async () => 'after', {}), 'after', 'another request saw the commit');
  assert.equal(await cached('a', async () => 'not read', early), 'after', 'the early reading does not take the cache back');
});
