import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { createGitSetting, RACY_MS } from '../../src/git/git-setting.js';
import { createPackAnswerCache, PACK_ANSWER_MAX_AGE_MS, type PackAnswerCache } from '../../src/git/pack-answer-cache.js';
import { makeTempDir, startTlsTestServer, type TestServer } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { ageRefFiles, type GitClient, repoUrl, withAliceOnServer } from './git-client.js';
import { ownDescriptorsInto, processesUsing, stdoutFilesOfOthers } from './git-processes.js';
import { waitFor } from '../helpers/eventually.js';
import { bigBlobHistory, openUploadPack, postUploadPack, v2Fetch } from './upload-pack-client.js';

// Answers to clones and fetches kept on disk while the refs are unchanged (src/git/pack-answer-cache.ts).

let server: TestServer;
let git: GitClient;
let token: string;
const url = (name: string) => repoUrl(server.url, `alice/${name}`, { user: 'alice', token });
const serverDir = (name: string) => server.services.repos.storage.pathOf('alice', name);
const postFetch = (name: string, body: Buffer) => postUploadPack(server.url, name, token, body);

const tipOf = async (dir: string) => (await git.ok(['rev-parse', 'main'], { cwd: dir })).stdout.trim();

withAliceOnServer({}, async (fixture) => {
  ({ server, git, token } = fixture);
  for (const name of ['kept', 'forced']) {
    await server.services.repos.create(SYSTEM, 'alice', { name });
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir(name), input: linearHistory(20) });
    ageRefFiles(serverDir(name));
  }
});

describe('answers kept for repeated clones and fetches', () => {
  test('a second clone is answered from the kept answer, without git reading a pack', async () => {
    await git.ok(['clone', '-q', '--bare', url('kept'), 'first.git']);
    const packs = path.join(serverDir('kept'), 'objects', 'pack');
    fs.renameSync(packs, `${packs}-hidden`);
    try {
      await git.ok(['clone', '-q', '--bare', url('kept'), 'second.git']);
    } finally {
      fs.renameSync(`${packs}-hidden`, packs);
    }
    const second = path.join(git.home, 'second.git');
    await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: second });
    assert.equal(await tipOf(second), await tipOf(serverDir('kept')));
  });

  test('clients of other git versions get the answer kept for the first (git only records the agent)', async () => {
    const want = [`want ${await tipOf(serverDir('kept'))}\n`, 'ofs-delta\n', 'done\n'];
    const first = await postFetch('kept', v2Fetch(want, 'git/2.39.5'));
    assert.equal(first.status, 200);
    const packs = path.join(serverDir('kept'), 'objects', 'pack');
    fs.renameSync(packs, `${packs}-hidden`);
    try {
      const other = await postFetch('kept', v2Fetch(want, 'git/2.47.1.windows.1'));
      assert.equal(other.status, 200);
      assert.deepEqual(other.body, first.body);
    } finally {
      fs.renameSync(`${packs}-hidden`, packs);
    }
  });

  test('shallow and partial clones are kept apart from full ones, each answered whole', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'shapes' });
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir('shapes'), input: linearHistory(20) });
    ageRefFiles(serverDir('shapes'));
    const clones = [
      { name: 'shallow', args: ['--depth', '1'] },
      { name: 'partial', args: ['--filter=blob:none'] },
      { name: 'full', args: [] },
    ];
    const packs = path.join(serverDir('shapes'), 'objects', 'pack');
    for (const round of ['made', 'kept']) {
      if (round === 'kept') fs.renameSync(packs, `${packs}-hidden`);
      try {
        for (const clone of clones) await git.ok(['clone', '-q', '--bare', ...clone.args, url('shapes'), `${clone.name}-${round}.git`]);
      } finally {
        if (round === 'kept') fs.renameSync(`${packs}-hidden`, packs);
      }
      const count = async (name: string) => (await git.ok(['rev-list', '--count', 'main'], { cwd: path.join(git.home, `${name}-${round}.git`) })).stdout.trim();
      assert.equal(await count('shallow'), '1', `${round}: one commit deep`);
      assert.equal(await count('full'), '20', `${round}: the whole history`);
      const missing = await git.ok(['rev-list', '--objects', '--missing=print', 'main'], { cwd: path.join(git.home, `partial-${round}.git`) });
      assert.match(missing.stdout, /^\?[0-9a-f]{40}$/m, `${round}: the partial clone left the blobs out`);
    }
  });

  test('a push is seen at once, and a commit a force push removed (and gc pruned) is not served again', async () => {
    const removed = await tipOf(serverDir('forced'));
    const request = v2Fetch([`want ${removed}\n`, 'no-progress\n', 'done\n']);
    const first = await postFetch('forced', request);
    assert.equal(first.status, 200);
    assert.equal(first.body.subarray(0, 13).toString(), '000dpackfile\n');
    const again = await postFetch('forced', request);
    assert.equal(again.headers.get('content-length'), String(first.body.length), 'a kept answer has a known length');
    assert.deepEqual(again.body, first.body);

    const local = path.join(git.home, 'forcer');
    await git.ok(['clone', '-q', url('forced'), local]);
    await git.ok(['push', '-q', '--force', 'origin', 'main~5:main'], { cwd: local });
    await git.ok(['gc', '--quiet', '--prune=now'], { cwd: serverDir('forced') });
    ageRefFiles(serverDir('forced'));
    const after = await postFetch('forced', request);
    assert.ok(!after.body.includes('packfile\n'), 'no pack for a commit that is gone');
    assert.match(after.body.toString('latin1'), /ERR .*not our ref/);

    await git.ok(['clone', '-q', '--bare', url('forced'), 'after-force.git']);
    assert.equal(await tipOf(path.join(git.home, 'after-force.git')), (await git.ok(['rev-parse', 'main~5'], { cwd: local })).stdout.trim());
  });
});

describe('clones that come together', () => {
  test('all get the same whole answer', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'herd' });
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir('herd'), input: linearHistory(200) });
    ageRefFiles(serverDir('herd'));
    const names = ['herd-1.git', 'herd-2.git', 'herd-3.git', 'herd-4.git'];
    await Promise.all(names.map((name) => git.ok(['clone', '-q', '--bare', url('herd'), name])));
    const tip = await tipOf(serverDir('herd'));
    for (const name of names) {
      await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: path.join(git.home, name) });
      assert.equal(await tipOf(path.join(git.home, name)), tip);
    }
  });
});

describe('over TLS', () => {
  let tls: Awaited<ReturnType<typeof startTlsTestServer>>;

  before(async () => {
    tls = await startTlsTestServer({ dataDir: server.dataDir });
  });

  after(async () => {
    await tls?.close();
  });

  test('a kept answer is sent encrypted the same way', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'tls-kept' });
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir('tls-kept'), input: linearHistory(10) });
    ageRefFiles(serverDir('tls-kept'));
    const env = { GIT_SSL_CAINFO: tls.caFile };
    const tlsUrl = repoUrl(tls.url, 'alice/tls-kept', { user: 'alice', token });
    await git.ok(['clone', '-q', '--bare', tlsUrl, 'tls-first.git'], { env });
    const packs = path.join(serverDir('tls-kept'), 'objects', 'pack');
    fs.renameSync(packs, `${packs}-hidden`);
    try {
      await git.ok(['clone', '-q', '--bare', tlsUrl, 'tls-second.git'], { env });
    } finally {
      fs.renameSync(`${packs}-hidden`, packs);
    }
    await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: path.join(git.home, 'tls-second.git') });
    assert.equal(await tipOf(path.join(git.home, 'tls-second.git')), await tipOf(serverDir('tls-kept')));
  });
});

describe('a client that goes away while its answer is being written', () => {
  test('git finishes the answer and it is kept for the next; no git and no open file is left behind', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'big' });
    const dir = serverDir('big');
    await git.ok(['fast-import', '--quiet'], { cwd: dir, input: bigBlobHistory(24 * 1024 * 1024) });
    ageRefFiles(dir);
    const head = await tipOf(dir);
    const cache = path.join(server.dataDir, 'cache', 'upload-pack');
    const files = () =>
      fs
        .readdirSync(cache, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
    const before = new Set(files());
    const added = () => files().filter((file) => !before.has(file));
    const { request, response: answered } = openUploadPack(server.url, 'big', token, v2Fetch([`want ${head}\n`, 'no-progress\n', 'done\n']));
    request.on('error', () => {});
    try {
      const response = await answered;
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['transfer-encoding'], 'chunked', 'sent as git writes it, length unknown');
      response.pause(); // the client stops reading: the server waits on a full socket
      assert.equal(added().length, 1, 'git writes the answer into the cache');
    } finally {
      request.destroy();
    }
    assert.ok(await waitFor(() => processesUsing(dir).length === 0, 8000), `left behind: ${JSON.stringify(processesUsing(dir))}`);
    // Spare gits (src/git/spare-upload-packs.ts) wait with a blank file each: those are not left behind.
    const leftOpen = () => ownDescriptorsInto(cache).filter((file) => !stdoutFilesOfOthers().has(file));
    assert.ok(await waitFor(() => leftOpen().length === 0, 5000), `open: ${leftOpen()}`);
    const [kept] = added();
    assert.ok(kept, 'the answer git finished is kept');
    const again = await postFetch('big', v2Fetch([`want ${head}\n`, 'no-progress\n', 'done\n']));
    assert.equal(again.headers.get('content-length'), String(fs.statSync(kept).size), 'answered from what was kept');
    await git.ok(['clone', '-q', '--bare', url('big'), 'big-after.git']);
    await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: path.join(git.home, 'big-after.git') });
  });
});

describe('the pack answer cache', () => {
  const env = { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' };
  let sandbox: string;
  let repo: string;
  let clockAhead = 10 * RACY_MS;
  const now = () => Date.now() + clockAhead;
  const caches: PackAnswerCache[] = [];
  const open = (maxBytes: number, root = path.join(sandbox, 'cache')) => {
    const cache = createPackAnswerCache({ root, maxBytes, setting: createGitSetting(env), now });
    caches.push(cache);
    return cache;
  };
  const tip = (ref = 'main') => spawnSync('git', ['rev-parse', ref], { cwd: repo, env }).stdout.toString().trim();
  /** The key of a request that wants what main points at now. */
  const keyOf = (cache: PackAnswerCache, request: string) => cache.keyOf(repo, 'version=2', Buffer.from(request), [tip()])!;
  const store = (cache: PackAnswerCache, request: string, answer: string) => {
    const key = keyOf(cache, request);
    const writer = cache.create(key.key)!;
    fs.writeSync(writer.fd, answer);
    writer.finish(true, () => keyOf(cache, request));
    return key.key;
  };
  const read = (cache: PackAnswerCache, key: string) => {
    const kept = cache.open(key);
    if (!kept) return null;
    try {
      return fs.readFileSync(kept.fd, 'utf8');
    } finally {
      fs.closeSync(kept.fd);
    }
  };

  before(() => {
    sandbox = makeTempDir('gitgate-pack-cache-');
    repo = path.join(sandbox, 'repo.git');
    spawnSync('git', ['init', '-q', '--bare', repo], { env });
    spawnSync('git', ['fast-import', '--quiet'], { cwd: repo, env, input: linearHistory(2) });
  });

  after(async () => {
    for (const cache of caches) await cache.close();
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  test('serves what it kept, for the very request and refs only', () => {
    const cache = open(1024);
    const key = store(cache, 'request a', 'answer a');
    assert.equal(read(cache, key), 'answer a');
    assert.equal(read(cache, keyOf(cache, 'request b').key), null);
    spawnSync('git', ['update-ref', 'refs/heads/main', 'main~1'], { cwd: repo, env });
    assert.notEqual(keyOf(cache, 'request a').key, key, 'a ref update is a new key');
  });

  test('keeps no answer for a want that is not what a ref points at (git would still serve it until pruned)', () => {
    const cache = open(1024);
    spawnSync('git', ['update-ref', 'refs/heads/side', 'main'], { cwd: repo, env });
    const request = Buffer.from('request z');
    assert.ok(cache.keyOf(repo, 'version=2', request, [tip(), tip('side')]), 'both are ref tips');
    assert.equal(cache.keyOf(repo, 'version=2', request, [tip(), tip('main~1')]), null);
    spawnSync('git', ['update-ref', '-d', 'refs/heads/side'], { cwd: repo, env });
  });

  test('keeps nothing when the refs moved while git ran, or while they are younger than RACY_MS', () => {
    const cache = open(1024);
    const key = keyOf(cache, 'request c');
    const writer = cache.create(key.key)!;
    fs.writeSync(writer.fd, 'stale');
    spawnSync('git', ['update-ref', 'refs/heads/other', 'main'], { cwd: repo, env });
    writer.finish(true, () => keyOf(cache, 'request c'));
    assert.equal(read(cache, key.key), null);
    clockAhead = 0;
    try {
      assert.equal(keyOf(cache, 'request c').settled, false, 'refs written just now');
    } finally {
      clockAhead = 10 * RACY_MS;
    }
  });

  test('forgets answers after their time, and the least recently used first when full; never one larger than all of it', () => {
    const cache = open(20);
    const first = store(cache, 'request d', '0123456789');
    const second = store(cache, 'request e', 'abcdefghij');
    assert.equal(read(cache, first), '0123456789');
    store(cache, 'request f', 'ABCDEFGHIJ');
    assert.equal(read(cache, second), null, 'the least recently used made room');
    assert.equal(read(cache, first), '0123456789');
    const huge = store(cache, 'request g', 'x'.repeat(21));
    assert.equal(read(cache, huge), null);
    clockAhead += PACK_ANSWER_MAX_AGE_MS;
    try {
      assert.equal(read(cache, first), null, 'expired');
    } finally {
      clockAhead -= PACK_ANSWER_MAX_AGE_MS;
    }
  });

  test('an answer being written is followed by the requests for it, and one cut short is not kept', async () => {
    const cache = open(1024);
    const key = keyOf(cache, 'request j').key;
    const writer = cache.create(key)!;
    assert.equal(cache.create(key), null, 'one writer per key');
    const follower = cache.follow(key)!;
    fs.writeSync(writer.fd, 'half an ');
    assert.equal(fs.readFileSync(follower.fd, 'utf8'), 'half an ');
    fs.writeSync(writer.fd, 'answer');
    writer.finish(false, () => keyOf(cache, 'request j'));
    assert.equal(await follower.whole, false);
    fs.closeSync(follower.fd);
    assert.equal(read(cache, key), null);
    const again = cache.create(key)!;
    fs.writeSync(again.fd, 'a whole answer');
    again.finish(true, () => keyOf(cache, 'request j'));
    again.finish(false, () => keyOf(cache, 'request j'));
    assert.equal(read(cache, key), 'a whole answer', 'the first finish decides');
    assert.equal(cache.follow(key), null, 'nothing is being written');
  });

  test('a dropped answer leaves no file; close removes its directory, and the next start removes abandoned ones', async () => {
    const root = path.join(sandbox, 'shared');
    const cache = open(1024, root);
    const writer = cache.create(keyOf(cache, 'request h').key)!;
    fs.writeSync(writer.fd, 'half an answer');
    writer.finish(false, () => keyOf(cache, 'request h'));
    store(cache, 'request i', 'answer i');
    const [own] = fs.readdirSync(root);
    assert.equal(fs.readdirSync(path.join(root, own!)).length, 1, 'only the kept answer');

    const abandoned = path.join(root, 'host-1-dead');
    fs.mkdirSync(abandoned);
    fs.writeFileSync(path.join(abandoned, 'answer'), 'left behind');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(abandoned, old, old);
    const another = open(1024, root);
    assert.ok(await waitFor(() => !fs.existsSync(abandoned), 5000), 'an abandoned directory is removed');
    assert.ok(fs.existsSync(path.join(root, own!)), 'a live one is not');
    await cache.close();
    await another.close();
    assert.deepEqual(fs.readdirSync(root), []);
  });
});
