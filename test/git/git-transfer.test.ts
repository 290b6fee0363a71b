import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { encodePacket } from '../../src/git/pkt-line.js';
import { assertNoSecretsInLogs, type TestServer } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { type GitClient, repoUrl, withAliceOnServer } from './git-client.js';

let server: TestServer;
let git: GitClient;
let token: string;
let tokenId: number;
let counter = 0;
const url = (name: string, suffix = '.git') => repoUrl(server.url, `alice/${name}`, { user: 'alice', token }, suffix);
const dir = (name: string) => path.join(git.home, name);
const serverDir = (name: string) => server.services.repos.storage.pathOf('alice', name);
const basic = () => ({ authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}` });

async function newRepo(name: string, options: { private?: boolean } = {}) {
  return server.services.repos.create(SYSTEM, 'alice', { name, private: options.private ?? false });
}

/** A local repository with `count` commits, pushed to alice/NAME. */
async function seeded(name: string, count = 3): Promise<string> {
  await newRepo(name);
  const local = dir(`seed-${name}`);
  await git.ok(['init', '-q', local]);
  await git.ok(['fast-import', '--quiet'], { cwd: local, input: linearHistory(count) });
  await git.ok(['push', '-q', url(name), 'main'], { cwd: local });
  return local;
}

withAliceOnServer({}, (fixture) => {
  ({ server, git, token, tokenId } = fixture);
});

describe('cloning and fetching', () => {
  test('clones an empty repository', async () => {
    await newRepo('empty');
    const result = await git.ok(['clone', url('empty'), 'empty-clone']);
    assert.match(result.stderr, /cloned an empty repository/);
  });

  test('clones and fetches with protocol v0 and with protocol v2, with and without the .git suffix', async () => {
    const local = await seeded('protocols', 2);
    for (const [version, suffix] of [['0', '.git'], ['2', ''], ['2', '.git'], ['0', '']] as const) {
      counter += 1;
      const target = `proto-${counter}`;
      const result = await git.ok(['-c', `protocol.version=${version}`, 'clone', url('protocols', suffix), target], {
        env: { GIT_TRACE_PACKET: '1' },
      });
      if (version === '2') assert.match(result.stderr, /< version 2/, 'the server answered in protocol v2');
      else assert.doesNotMatch(result.stderr, /< version 2/);
      assert.equal((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: dir(target) })).stdout.trim(), '2');
    }
    await git.ok(['commit', '-q', '--allow-empty', '-m', 'more'], { cwd: local });
    await git.ok(['push', '-q', url('protocols'), 'main'], { cwd: local });
    for (const version of ['0', '2']) {
      await git.ok(['-c', `protocol.version=${version}`, 'pull', '-q', '--ff-only'], { cwd: dir(`proto-${counter}`) });
      assert.equal((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: dir(`proto-${counter}`) })).stdout.trim(), '3');
      counter -= 1;
    }
  });

  test('makes shallow clones with --depth 1 and partial clones with --filter=blob:none', async () => {
    await seeded('partial', 20);
    await git.ok(['clone', '-q', '--depth', '1', url('partial'), 'shallow']);
    assert.equal((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: dir('shallow') })).stdout.trim(), '1');
    assert.ok(fs.existsSync(path.join(dir('shallow'), '.git', 'shallow')));

    await git.ok(['clone', '-q', '--filter=blob:none', '--no-checkout', url('partial'), 'blobless']);
    const missing = await git.ok(['rev-list', '--objects', '--all', '--missing=print'], { cwd: dir('blobless') });
    assert.ok(missing.stdout.split('\n').some((line) => line.startsWith('?')), 'blobs were left out');
    await git.ok(['checkout', '-q', 'main'], { cwd: dir('blobless') }); // fetches the blobs it needs, lazily
    assert.equal(fs.readFileSync(path.join(dir('blobless'), 'file.txt'), 'utf8'), 'commit 20\n');
  });

  test('inflates gzip-compressed upload-pack requests', async () => {
    await seeded('gzip', 1);
    const head = (await git.ok(['rev-parse', 'main'], { cwd: serverDir('gzip') })).stdout.trim();
    const request = Buffer.concat([encodePacket(`want ${head} ofs-delta\n`), Buffer.from('0000'), encodePacket('done\n')]);
    const res = await fetch(`${server.url}/alice/gzip.git/git-upload-pack`, {
      method: 'POST',
      headers: { ...basic(), 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' },
      body: gzipSync(request),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-result');
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.includes(Buffer.from('PACK')), 'a packfile came back');
  });

  test('clones through the old name after a rename', async () => {
    await seeded('oldname', 2);
    const repo = (await server.services.repos.store.findByName('alice', 'oldname'))!;
    await server.services.repos.update(SYSTEM, repo, { name: 'newname' });
    await git.ok(['clone', '-q', url('oldname'), 'renamed-clone']);
    assert.equal((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: dir('renamed-clone') })).stdout.trim(), '2');
  });
});

describe('pushing', () => {
  test('accepts a push of 1,000 commits and records it in the audit log', async () => {
    await newRepo('thousand');
    const local = dir('thousand-local');
    await git.ok(['init', '-q', local]);
    await git.ok(['fast-import', '--quiet'], { cwd: local, input: linearHistory(1000) });
    const head = (await git.ok(['rev-parse', 'main'], { cwd: local })).stdout.trim();
    await git.ok(['push', '-q', url('thousand'), 'main'], { cwd: local });
    assert.equal((await git.ok(['rev-list', '--count', 'main'], { cwd: serverDir('thousand') })).stdout.trim(), '1000');

    const repo = (await server.services.repos.store.findByName('alice', 'thousand'))!;
    assert.ok(repo.pushedAt, 'pushed_at is set');
    const events = await server.services.audit.list(server.services.db, { limit: 500 });
    const push = events.find((e) => e.action === 'git.push' && (e.data as { full_name: string }).full_name === 'alice/thousand');
    assert.ok(push, 'a git.push event exists');
    assert.equal(push.actor, 'alice');
    assert.deepEqual((push.data as { refs: unknown[] }).refs, [{ ref: 'refs/heads/main', old: '0'.repeat(40), new: head }]);
    const row = await server.services.db.selectFrom('audit_events').select(['token_id']).where('id', '=', push.id).executeTakeFirstOrThrow();
    assert.equal(row.token_id, tokenId);
  });

  test("answers git's probe before a large push as receive-pack does (200, nothing said), and the push that follows lands", async () => {
    await newRepo('probed', { private: true });
    const probe = (headers: Record<string, string>) =>
      fetch(`${server.url}/alice/probed.git/git-receive-pack`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-git-receive-pack-request' },
        body: '0000',
      });
    const answered = await probe(basic());
    assert.equal(answered.status, 200);
    assert.equal(answered.headers.get('content-type'), 'application/x-git-receive-pack-result');
    assert.equal(await answered.text(), '');
    const anonymous = await probe({});
    assert.equal(anonymous.status, 401, 'the probe is how git learns it must send credentials');
    assert.match(String(anonymous.headers.get('www-authenticate')), /^Basic /);

    const local = dir('probed-local');
    await git.ok(['init', '-q', local]);
    await git.ok(['fast-import', '--quiet'], { cwd: local, input: linearHistory(200) });
    const pushed = await git.ok(['-c', 'http.postBuffer=1024', 'push', url('probed'), 'main'], { cwd: local, env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
    assert.match(pushed.stderr, /Content-Length: 4\b/, 'git probed first: its pack was larger than http.postBuffer');
    assert.equal((await git.ok(['rev-list', '--count', 'main'], { cwd: serverDir('probed') })).stdout.trim(), '200');
  });

  test('lets exactly one of two concurrent pushes to the same branch win, and nothing is corrupted', async () => {
    await seeded('race', 1);
    const clones = ['race-a', 'race-b'];
    for (const name of clones) {
      await git.ok(['clone', '-q', url('race'), name]);
      fs.writeFileSync(path.join(dir(name), `${name}.txt`), `${name}\n`.repeat(10000));
      await git.ok(['add', '.'], { cwd: dir(name) });
      await git.ok(['commit', '-q', '-m', `work of ${name}`], { cwd: dir(name) });
    }
    const results = await Promise.all(clones.map((name) => git.run(['push', url('race'), 'main'], { cwd: dir(name) })));
    const winners = results.filter((r) => r.code === 0);
    assert.equal(winners.length, 1, results.map((r) => r.stderr).join('\n'));
    const loser = results.find((r) => r.code !== 0)!;
    assert.match(loser.stderr, /rejected|fetch first|failed to update ref|cannot lock/);
    const winner = clones[results.indexOf(winners[0]!)]!;
    const expected = (await git.ok(['rev-parse', 'main'], { cwd: dir(winner) })).stdout.trim();
    assert.equal((await git.ok(['rev-parse', 'main'], { cwd: serverDir('race') })).stdout.trim(), expected);
    await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: serverDir('race') });
  });
});

describe('refusals that stay clean', () => {
  const post = (pathname: string, body: BodyInit, headers: Record<string, string>) =>
    fetch(`${server.url}${pathname}`, { method: 'POST', headers: { ...basic(), ...headers }, body });

  test('answers malformed pkt-lines and garbage bodies with a 4xx text, never a 500 or a stack', async () => {
    await seeded('garbage', 1);
    const upload = { 'content-type': 'application/x-git-upload-pack-request' };
    const receive = { 'content-type': 'application/x-git-receive-pack-request' };
    const cases: Array<[string, BodyInit, Record<string, string>]> = [
      ['/alice/garbage.git/git-upload-pack', 'this is not a pkt-line', upload],
      ['/alice/garbage.git/git-upload-pack', '0009want\n0000zzzz', upload],
      ['/alice/garbage.git/git-upload-pack', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]), upload],
      ['/alice/garbage.git/git-upload-pack', 'not gzip at all', { ...upload, 'content-encoding': 'gzip' }],
      ['/alice/garbage.git/git-upload-pack', 'x', { ...upload, 'content-encoding': 'br' }],
      ['/alice/garbage.git/git-upload-pack', '{"a":', { 'content-type': 'application/json' }],
      ['/alice/garbage.git/git-upload-pack', 'hello', { 'content-type': 'text/plain' }],
      ['/alice/garbage.git/git-receive-pack', 'garbage garbage garbage', receive],
      ['/alice/garbage.git/git-receive-pack', '0032zzzz', receive],
      ['/alice/garbage.git/git-receive-pack', `${encodePacket('not a command\n').toString()}0000PACKjunk`, receive],
    ];
    for (const [pathname, body, headers] of cases) {
      const res = await post(pathname, body, headers);
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `${pathname} ${JSON.stringify(body)} -> ${res.status} ${text}`);
      assert.doesNotMatch(text, /\n\s+at |node:internal|\/work\//, 'no stack or path leaks');
    }
    // The repository still works afterwards.
    await git.ok(['clone', '-q', url('garbage'), 'garbage-clone']);
  });

  test('refuses an unknown service and Git LFS batch requests with a clear answer', async () => {
    const unknown = await fetch(`${server.url}/alice/garbage.git/info/refs?service=git-upload-archive`, { headers: basic() });
    assert.equal(unknown.status, 403);
    await unknown.text();
    const lfs = await post('/alice/garbage.git/info/lfs/objects/batch', JSON.stringify({ operation: 'download', objects: [] }), {
      'content-type': 'application/vnd.git-lfs+json',
      accept: 'application/vnd.git-lfs+json',
    });
    assert.equal(lfs.status, 501);
    assert.equal(lfs.headers.get('content-type'), 'application/vnd.git-lfs+json');
    assert.deepEqual(await lfs.json(), { message: 'Git LFS is not supported by this Gitgate server' });
  });

  test('writes no token into any log line', () => {
    assertNoSecretsInLogs(server, [token]);
  });
});
