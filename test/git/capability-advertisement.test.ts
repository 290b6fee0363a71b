import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { createCapabilityCache } from '../../src/git/capability-advertisement.js';
import { gitEnv } from '../../src/git/git-command.js';
import { createGitSetting, RACY_MS } from '../../src/git/git-setting.js';
import { makeTempDir, type TestServer } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { type GitClient, repoUrl, withAliceOnServer } from './git-client.js';

let server: TestServer;
let git: GitClient;
let token: string;
const serverDir = (name: string) => server.services.repos.storage.pathOf('alice', name);

/** What git itself answers, run as Gitgate runs it. */
function gitsOwnAnswer(repoDir: string): Buffer {
  const result = spawnSync('git', ['upload-pack', '--stateless-rpc', '--advertise-refs', repoDir], { env: gitEnv({ GIT_PROTOCOL: 'version=2' }) });
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}

async function infoRefs(name: string, protocol = 'version=2') {
  const response = await fetch(`${server.url}/alice/${name}.git/info/refs?service=git-upload-pack`, {
    headers: { authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}`, 'git-protocol': protocol },
  });
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

withAliceOnServer({}, async (fixture) => {
  ({ server, git, token } = fixture);
  for (const name of ['one', 'two', 'three']) {
    await server.services.repos.create(SYSTEM, 'alice', { name });
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir(name), input: linearHistory(3) });
  }
});

describe('the protocol v2 capability advertisement', () => {
  test('is the very bytes git writes, on the first request and the ones served without git', async () => {
    for (const name of ['one', 'two', 'one', 'two', 'one']) {
      const answer = await infoRefs(name);
      assert.equal(answer.status, 200);
      assert.equal(answer.type, 'application/x-git-upload-pack-advertisement');
      assert.deepEqual(answer.body, gitsOwnAnswer(serverDir(name)), name);
    }
    assert.match((await infoRefs('one')).body.toString(), /^000eversion 2\n/);
  });

  test("follows a change of a repository's configuration, and only that repository's", async () => {
    const before = (await infoRefs('two')).body;
    await git.ok(['config', 'uploadpack.allowRefInWant', 'true'], { cwd: serverDir('two') });
    const after = await infoRefs('two');
    assert.match(after.body.toString(), /ref-in-want/);
    assert.notDeepEqual(after.body, before);
    assert.deepEqual(after.body, gitsOwnAnswer(serverDir('two')));
    assert.deepEqual((await infoRefs('one')).body, gitsOwnAnswer(serverDir('one')));
  });

  test('is never kept when it carries a session id', async () => {
    await git.ok(['config', 'transfer.advertiseSID', 'true'], { cwd: serverDir('three') });
    const first = (await infoRefs('three')).body.toString();
    const second = (await infoRefs('three')).body.toString();
    assert.match(first, /session-id=/);
    assert.notEqual(first, second, 'each answer comes from its own git process');
  });

  test('clones and fetches work with it (git reads it as from git)', async () => {
    await git.ok(['clone', '-q', repoUrl(server.url, 'alice/one', { user: 'alice', token }), 'one-clone']);
    await git.ok(['fetch', '-q', 'origin'], { cwd: path.join(git.home, 'one-clone') });
  });

  test('protocol v0 still gets the refs from git, announced by the service line', async () => {
    const answer = await infoRefs('one', '');
    assert.equal(answer.status, 200);
    const head = (await git.ok(['rev-parse', 'main'], { cwd: serverDir('one') })).stdout.trim();
    assert.match(answer.body.toString(), /^001e# service=git-upload-pack\n0000/);
    assert.ok(answer.body.toString().includes(head));
  });
});

describe('what the cache key follows', () => {
  let home: string;
  let repo: string;

  before(() => {
    home = makeTempDir('gitgate-capabilities-');
    repo = path.join(home, 'repo.git');
    spawnSync('git', ['init', '-q', '--bare', repo], { env: { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' } });
  });

  after(() => fs.rmSync(home, { recursive: true, force: true }));

  test('a new global config or protocol value is a new key; an include or a session id is no key at all', () => {
    const cache = createCapabilityCache(createGitSetting({ PATH: process.env.PATH, HOME: home }));
    const first = cache.lookup(repo, 'version=2');
    assert.equal(first.bytes, null);
    assert.ok(first.bytes === null && first.key);
    cache.remember(first.key!, Buffer.from('remembered'));
    assert.deepEqual(cache.lookup(repo, 'version=2').bytes, Buffer.from('remembered'));
    assert.equal(cache.lookup(repo, 'version=2:object-format=sha1').bytes, null);

    fs.writeFileSync(path.join(home, '.gitconfig'), '[uploadpack]\n\tallowRefInWant = true\n');
    const changed = cache.lookup(repo, 'version=2');
    assert.ok(changed.bytes === null && changed.key && changed.key !== first.key);

    fs.writeFileSync(path.join(home, '.gitconfig'), '[include]\n\tpath = other.gitconfig\n');
    assert.deepEqual(cache.lookup(repo, 'version=2'), { bytes: null, key: null });
    fs.rmSync(path.join(home, '.gitconfig'));
    assert.deepEqual(cache.lookup(repo, 'version=2').bytes, Buffer.from('remembered'));

    fs.appendFileSync(path.join(repo, 'config'), '[transfer]\n\tadvertiseSID = true\n');
    assert.deepEqual(cache.lookup(repo, 'version=2'), { bytes: null, key: null });
  });

  test("a repository's configuration older than RACY_MS is kept in memory, and read again once it changes", () => {
    const settled = path.join(home, 'settled.git');
    const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
    spawnSync('git', ['init', '-q', '--bare', settled], { env });
    const config = path.join(settled, 'config');
    const past = new Date(Date.now() - 10 * RACY_MS);
    fs.utimesSync(config, past, past);
    const cache = createCapabilityCache(createGitSetting({ PATH: process.env.PATH, HOME: home }));
    // Nothing is remembered here, so every lookup tells its key.
    const keyNow = () => {
      const found = cache.lookup(settled, 'version=2');
      assert.equal(found.bytes, null);
      return found.bytes === null ? found.key : null;
    };
    const key = keyNow();
    assert.ok(key);
    assert.equal(keyNow(), key, 'unchanged, the same key');
    // Kept, not read again: other bytes under the same inode, size and time still give the old key.
    const original = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, original.toUpperCase());
    fs.utimesSync(config, past, past);
    assert.equal(keyNow(), key, 'a file that looks unchanged is not read again');
    fs.writeFileSync(config, original);
    fs.utimesSync(config, past, past);

    spawnSync('git', ['config', 'uploadpack.allowFilter', 'true'], { cwd: settled, env });
    const changed = keyNow();
    assert.ok(changed && changed !== key && /allowFilter = true/.test(changed), 'the new configuration is read');
    fs.appendFileSync(config, '[transfer]\n\tadvertiseSID = true\n');
    fs.utimesSync(config, past, past);
    assert.equal(keyNow(), null, 'a change in place is read too: its size differs');
  });
});
