import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { gitEnv } from '../../src/git/git-command.js';
import { createGitSetting, RACY_MS } from '../../src/git/git-setting.js';
import { refsState } from '../../src/git/answer-key.js';
import { createLsRefsCache } from '../../src/git/ls-refs-cache.js';
import { makeTempDir, type TestServer } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { ageRefFiles, type GitClient, repoUrl, withAliceOnServer } from './git-client.js';
import { pkt, postUploadPack } from './upload-pack-client.js';

let server: TestServer;
let git: GitClient;
let token: string;
const serverDir = (name: string) => server.services.repos.storage.pathOf('alice', name);
/** What `git fetch` sends (refs/heads and refs/tags) and what `git ls-remote` sends (everything). */
const LS_REFS = [
  Buffer.from(`${pkt('command=ls-refs\n')}${pkt('agent=git/2.39.5\n')}${pkt('object-format=sha1\n')}0001${pkt('peel\n')}${pkt('symrefs\n')}${pkt('unborn\n')}${pkt('ref-prefix refs/heads/\n')}${pkt('ref-prefix refs/tags/\n')}0000`),
  Buffer.from(`${pkt('command=ls-refs\n')}${pkt('agent=git/2.39.5\n')}${pkt('object-format=sha1\n')}0001${pkt('peel\n')}${pkt('symrefs\n')}${pkt('unborn\n')}0000`),
];

/** What git itself answers, run as Gitgate runs it. */
function gitsOwnAnswer(repoDir: string, request: Buffer): Buffer {
  const result = spawnSync('git', ['upload-pack', '--stateless-rpc', repoDir], { input: request, env: gitEnv({ GIT_PROTOCOL: 'version=2' }) });
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}

async function lsRefs(name: string, request: Buffer) {
  const answer = await postUploadPack(server.url, name, token, request);
  assert.equal(answer.status, 200);
  return answer.body;
}

/** Both requests, twice each (the second from the cache), each the very bytes git writes now. */
async function assertAnswersAreGits(name: string, what: string) {
  ageRefFiles(serverDir(name));
  for (const request of [...LS_REFS, ...LS_REFS]) {
    assert.deepEqual(await lsRefs(name, request), gitsOwnAnswer(serverDir(name), request), what);
  }
}

withAliceOnServer({}, (fixture) => {
  ({ server, git, token } = fixture);
});

describe('ls-refs', () => {
  test('is the very bytes git writes, through pushes, deletions, tags, pack-refs and a new HEAD', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'refs' });
    const dir = serverDir('refs');
    await assertAnswersAreGits('refs', 'an empty repository (HEAD unborn)');
    const local = path.join(git.home, 'refs-local');
    await git.ok(['init', '-q', local]);
    await git.ok(['fast-import', '--quiet'], { cwd: local, input: linearHistory(5) });
    const remote = repoUrl(server.url, 'alice/refs', { user: 'alice', token });
    await git.ok(['push', '-q', remote, 'main'], { cwd: local });
    await assertAnswersAreGits('refs', 'after the first push');
    await git.ok(['push', '-q', remote, 'main~2:refs/heads/topic'], { cwd: local });
    await assertAnswersAreGits('refs', 'after a new branch');
    await git.ok(['tag', '-a', '-m', 'release', 'v1', 'main~1'], { cwd: local });
    await git.ok(['push', '-q', remote, 'v1'], { cwd: local });
    await assertAnswersAreGits('refs', 'after an annotated tag (peeled)');
    await git.ok(['push', '-q', '--force', remote, 'main~3:main'], { cwd: local });
    await assertAnswersAreGits('refs', 'after a forced push');
    await git.ok(['pack-refs', '--all'], { cwd: dir });
    await assertAnswersAreGits('refs', 'after pack-refs');
    await git.ok(['push', '-q', remote, ':refs/heads/topic'], { cwd: local });
    await assertAnswersAreGits('refs', 'after deleting a packed branch');
    await git.ok(['symbolic-ref', 'HEAD', 'refs/heads/nothing-yet'], { cwd: dir });
    await assertAnswersAreGits('refs', 'after HEAD moved to an unborn branch');
    await git.ok(['config', 'uploadpack.hideRefs', 'refs/tags'], { cwd: dir });
    await assertAnswersAreGits('refs', 'after hiding the tags by configuration');
  });

  test('git ls-remote and fetch see a push at once', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'seen' });
    const local = path.join(git.home, 'seen-local');
    await git.ok(['init', '-q', local]);
    await git.ok(['fast-import', '--quiet'], { cwd: local, input: linearHistory(3) });
    const remote = repoUrl(server.url, 'alice/seen', { user: 'alice', token });
    await git.ok(['push', '-q', remote, 'main'], { cwd: local });
    for (let i = 4; i <= 6; i++) {
      assert.match((await git.ok(['ls-remote', remote, 'main'])).stdout, new RegExp((await git.ok(['rev-parse', 'main'], { cwd: local })).stdout.trim()));
      await git.ok(['fast-import', '--quiet', '--force'], { cwd: local, input: linearHistory(i) });
      await git.ok(['push', '-q', '--force', remote, 'main'], { cwd: local });
    }
    const clone = path.join(git.home, 'seen-clone');
    await git.ok(['clone', '-q', remote, clone]);
    assert.equal((await git.ok(['rev-parse', 'origin/main'], { cwd: clone })).stdout, (await git.ok(['rev-parse', 'main'], { cwd: local })).stdout);
  });
});

describe('the refs state an answer is kept under', () => {
  let repo: string;
  const env = { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' };
  const run = (args: string[]) => spawnSync('git', args, { cwd: repo, env, input: linearHistory(2) });

  before(() => {
    repo = path.join(makeTempDir('gitgate-lsrefs-'), 'repo.git');
    spawnSync('git', ['init', '-q', '--bare', repo], { env });
    run(['fast-import', '--quiet']);
  });

  after(() => fs.rmSync(path.dirname(repo), { recursive: true, force: true }));

  test('changes with every ref update, and is no key at all past 256 loose refs', () => {
    // A clock ahead of the files' times: the answers below are about files written just now.
    const cache = createLsRefsCache(createGitSetting({ PATH: process.env.PATH, HOME: '/nonexistent' }), () => Date.now() + 10 * RACY_MS);
    const key = cache.keyOf(repo, 'version=2', LS_REFS[0]!);
    assert.ok(key);
    assert.equal(cache.keyOf(repo, 'version=2', LS_REFS[0]!), key, 'the same while nothing changes');
    cache.remember(key, repo, 'version=2', LS_REFS[0]!, Buffer.from('answer'));
    assert.deepEqual(cache.get(key), Buffer.from('answer'));
    const before = refsState(repo)?.key;
    assert.ok(before);
    run(['update-ref', 'refs/heads/main', 'main~1']);
    assert.notEqual(refsState(repo)?.key, before);
    assert.notEqual(cache.keyOf(repo, 'version=2', LS_REFS[0]!), key);
    // An answer made while a ref moved is not kept under the old state.
    const stale = cache.keyOf(repo, 'version=2', LS_REFS[1]!)!;
    run(['update-ref', 'refs/heads/other', 'main']);
    cache.remember(stale, repo, 'version=2', LS_REFS[1]!, Buffer.from('stale'));
    assert.equal(cache.get(stale), undefined);
    for (let i = 0; i < 256; i++) run(['update-ref', `refs/heads/many/b${i}`, 'main']);
    assert.equal(refsState(repo), null);
    assert.equal(cache.keyOf(repo, 'version=2', LS_REFS[0]!), null);
  });

  test('keeps no answer while a ref file is younger than RACY_MS (its time could be shared by a later write)', () => {
    const fresh = path.join(makeTempDir('gitgate-lsrefs-'), 'fresh.git');
    spawnSync('git', ['init', '-q', '--bare', fresh], { env });
    spawnSync('git', ['fast-import', '--quiet'], { cwd: fresh, env, input: linearHistory(2) });
    try {
      const cache = createLsRefsCache(createGitSetting({ PATH: process.env.PATH, HOME: '/nonexistent' }));
      const key = cache.keyOf(fresh, 'version=2', LS_REFS[0]!)!;
      cache.remember(key, fresh, 'version=2', LS_REFS[0]!, Buffer.from('answer'));
      assert.equal(cache.get(key), undefined, 'refs written just now');
      ageRefFiles(fresh);
      const aged = cache.keyOf(fresh, 'version=2', LS_REFS[0]!)!;
      cache.remember(aged, fresh, 'version=2', LS_REFS[0]!, Buffer.from('answer'));
      assert.deepEqual(cache.get(aged), Buffer.from('answer'), 'refs older than RACY_MS');
    } finally {
      fs.rmSync(path.dirname(fresh), { recursive: true, force: true });
    }
  });
});
