import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { HOOK_CHANNEL_VARIABLE, installHooksDir } from '../../src/git/push-hooks.js';
import { createGitClient, type GitClient, repoUrl } from '../git/git-client.js';
import { createToken, createUser, startTestServer, type TestServer, tempDirs } from '../helpers/server.js';

let server: TestServer;
let git: GitClient;
const tempDir = tempDirs('gitgate-hook-', after);
const secrets: string[] = [];

before(async () => {
  server = await startTestServer();
  git = createGitClient();
});
after(async () => {
  git.cleanup();
  await server.close();
});

/** A user, a token, a private repository on the server, and a clone with one commit pushed. */
async function setup() {
  const user = await createUser(server);
  const { token } = await createToken(server, user, { scopes: ['repo'], note: 'pusher' });
  secrets.push(token);
  const name = `hooked${secrets.length}`;
  await server.services.repos.create(SYSTEM, user.login, { name, private: true });
  const work = path.join(tempDir(), 'work');
  await git.ok(['clone', '--quiet', repoUrl(server.url, `${user.login}/${name}`, { token }), work]);
  await git.ok(['commit', '--quiet', '--allow-empty', '-m', 'start'], { cwd: work });
  await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
  return { user, token, work, repoDir: server.services.repos.storage.pathOf(user.login, name) };
}

async function commitFile(work: string, file: string, content: string) {
  fs.writeFileSync(path.join(work, file), content);
  await git.ok(['add', file], { cwd: work });
  await git.ok(['commit', '--quiet', '-m', `add ${file}`], { cwd: work });
  return (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
}

/** A bare repository and a work tree, on this machine's disk, as an administrator has them. */
async function localRepository() {
  const root = tempDir();
  const bare = path.join(root, 'repo.git');
  const work = path.join(root, 'work');
  await git.ok(['init', '--quiet', '--bare', bare]);
  await git.ok(['init', '--quiet', work]);
  return { bare, work };
}

test("an administrator's push on the server's shell passes Gitgate's hook untouched", async () => {
  const { token } = await setup();
  const hooks = installHooksDir(server.dataDir);
  const { bare, work } = await localRepository();
  const commit = await commitFile(work, 'notes.txt', `kept on purpose: ${token}\n`);
  // The hook runs (core.hooksPath points at it) but no Gitgate started this push: it accepts.
  await git.ok(['push', '--quiet', '--receive-pack', `git -c core.hooksPath=${hooks} receive-pack`, bare, 'HEAD:refs/heads/main'], { cwd: work });
  assert.equal((await git.ok(['--git-dir', bare, 'rev-parse', 'main'])).stdout.trim(), commit);
});

test('the hook refuses a push when it was told of a channel it cannot reach', async () => {
  const hooks = installHooksDir(server.dataDir);
  const { bare, work } = await localRepository();
  await commitFile(work, 'a.txt', 'harmless\n');
  const push = await git.run(['push', '--receive-pack', `git -c core.hooksPath=${hooks} receive-pack`, bare, 'HEAD:refs/heads/main'], {
    cwd: work,
    env: { [HOOK_CHANNEL_VARIABLE]: '3' },
  });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /Push refused: Gitgate could not check it for leaked tokens/);
  assert.notEqual((await git.run(['--git-dir', bare, 'rev-parse', '--verify', '--quiet', 'main'])).code, 0, 'no ref was created');
});

test('the hook file holds no secret and no path of a socket', () => {
  const hooks = installHooksDir(server.dataDir);
  const text = fs.readFileSync(path.join(hooks, 'pre-receive'), 'utf8');
  assert.match(text, /^#!\/bin\/sh\n/);
  assert.doesNotMatch(text, /node|\.sock|secret/i);
});

test('two pushes at once each get their own verdict', async () => {
  const leaky = await setup();
  const clean = await setup();
  await commitFile(leaky.work, 'ci.env', `TOKEN=${leaky.token}\n`);
  const cleanCommit = await commitFile(clean.work, 'readme.txt', 'nothing to see\n');
  const [refused, accepted] = await Promise.all([
    git.run(['push', 'origin', 'main'], { cwd: leaky.work }),
    git.run(['push', 'origin', 'main'], { cwd: clean.work }),
  ]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /remote: Push refused: it contains a live Gitgate personal access token/);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.doesNotMatch(accepted.stderr, /Push refused/);
  assert.equal((await git.ok(['--git-dir', clean.repoDir, 'rev-parse', 'main'])).stdout.trim(), cleanCommit);
});

test('a push of five hundred branches at once is checked and accepted', async () => {
  const { work, repoDir } = await setup();
  const head = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  // ~80 KB of ref updates: the hook's request arrives in more than one chunk.
  const refs = Array.from({ length: 500 }, (_, i) => `refs/heads/feature/a-rather-long-branch-name-to-make-the-request-larger-${i}`);
  await git.ok(['update-ref', '--stdin'], { cwd: work, input: refs.map((ref) => `create ${ref} ${head}\n`).join('') });
  await git.ok(['push', '--quiet', 'origin', ...refs.map((ref) => `${ref}:${ref}`)], { cwd: work });
  const listed = (await git.ok(['--git-dir', repoDir, 'for-each-ref', '--format=%(refname)', 'refs/heads/feature/'])).stdout.trim().split('\n');
  assert.equal(listed.length, 500);
});

test('a push with a live token among five hundred branches is refused as a whole', async () => {
  const { work, token, repoDir } = await setup();
  const before = (await git.ok(['--git-dir', repoDir, 'rev-parse', 'main'])).stdout.trim();
  const head = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  const refs = Array.from({ length: 500 }, (_, i) => `refs/heads/topic/another-fairly-long-branch-name-for-a-big-request-${i}`);
  await git.ok(['update-ref', '--stdin'], { cwd: work, input: refs.map((ref) => `create ${ref} ${head}\n`).join('') });
  await commitFile(work, 'leak.txt', `${token}\n`);
  const push = await git.run(['push', 'origin', 'main', ...refs.map((ref) => `${ref}:${ref}`)], { cwd: work });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /remote: Push refused: it contains a live Gitgate personal access token/);
  assert.equal((await git.ok(['--git-dir', repoDir, 'rev-parse', 'main'])).stdout.trim(), before);
  assert.equal((await git.ok(['--git-dir', repoDir, 'for-each-ref', 'refs/heads/topic/'])).stdout.trim(), '');
});


test('a large push (kept as a pack and scanned as soon as it is complete) is refused for a live token and accepted without one', async () => {
  const { token, work, repoDir } = await setup();
  const before = (await git.ok(['--git-dir', repoDir, 'rev-parse', 'main'])).stdout.trim();
  // Well over receive.unpackLimit (100 objects): receive-pack keeps the push as one pack.
  for (let i = 0; i < 120; i++) fs.writeFileSync(path.join(work, `file${i}.txt`), `file ${i}\n`);
  await git.ok(['add', '.'], { cwd: work });
  await git.ok(['commit', '--quiet', '-m', 'many files'], { cwd: work });
  const clean = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
  for (let i = 120; i < 240; i++) fs.writeFileSync(path.join(work, `file${i}.txt`), i === 200 ? `key ${token}\n` : `file ${i}\n`);
  await git.ok(['add', '.'], { cwd: work });
  await git.ok(['commit', '--quiet', '-m', 'more files'], { cwd: work });
  const push = await git.run(['push', 'origin', 'main'], { cwd: work });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /remote:\s+path\s+file200\.txt:1/);
  assert.equal((await git.ok(['--git-dir', repoDir, 'rev-parse', 'main'])).stdout.trim(), before);
  await git.ok(['push', '--quiet', 'origin', `${clean}:refs/heads/main`], { cwd: work });
  assert.equal((await git.ok(['--git-dir', repoDir, 'rev-parse', 'main'])).stdout.trim(), clean);
});

test('no token appears in any log line of the hook tests', () => {
  for (const line of server.logs) for (const secret of secrets) assert.equal(line.includes(secret), false);
});
