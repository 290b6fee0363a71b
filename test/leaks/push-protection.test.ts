import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { createGitClient, type GitClient, repoUrl } from '../git/git-client.js';
import { createToken, createUser, makeTempDir, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { startSmtpServer } from '../helpers/smtp.js';

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let server: TestServer;
let git: GitClient;
const secrets: string[] = [];

before(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ env: { GITGATE_SCAN_MAX_BLOB_BYTES: '4096', GITGATE_SMTP_URL: smtp.url } });
  git = createGitClient();
});
after(async () => {
  git.cleanup();
  await server.close();
  await smtp.close();
});

/** A user with a push token and a fresh private repository cloned into a work tree. */
async function setup(target: TestServer = server) {
  const user = await createUser(target);
  const { token } = await createToken(target, user, { scopes: ['repo'], note: 'pusher' });
  secrets.push(token);
  const name = `leaky${secrets.length}`;
  await target.services.repos.create(SYSTEM, user.login, { name, private: true });
  const work = path.join(makeTempDir('gitgate-leak-'), 'work');
  const url = repoUrl(target.url, `${user.login}/${name}`, { token });
  await git.ok(['clone', '--quiet', url, work]);
  await git.ok(['commit', '--quiet', '--allow-empty', '-m', 'start'], { cwd: work });
  await git.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
  return { user, token, name, work, repoDir: target.services.repos.storage.pathOf(user.login, name) };
}

async function commitFile(work: string, file: string, content: string, message = `add ${file}`) {
  fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
  fs.writeFileSync(path.join(work, file), content);
  await git.ok(['add', file], { cwd: work });
  await git.ok(['commit', '--quiet', '-m', message], { cwd: work });
  return (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
}

const remoteHead = async (repoDir: string) => (await git.ok(['--git-dir', repoDir, 'rev-parse', 'refs/heads/main'])).stdout.trim();

test('a live token in a new file blocks the push, names commit, path and line, and changes nothing', async () => {
  const { token, work, repoDir } = await setup();
  const before = await remoteHead(repoDir);
  const commit = await commitFile(work, 'config/ci.env', `# settings\nREGION=eu\nGITGATE_TOKEN=${token}\n`);
  const push = await git.run(['push', 'origin', 'main'], { cwd: work });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /remote: Push refused: it contains a live Gitgate personal access token/);
  assert.match(push.stderr, new RegExp(`remote:\\s+commit ${commit}`));
  assert.match(push.stderr, /remote:\s+path\s+config\/ci\.env:3/);
  assert.match(push.stderr, new RegExp(`remote:\\s+token\\s+ggp_\\.\\.\\.${token.slice(-4)} \\(your token "pusher"\\)`));
  assert.match(push.stderr, /settings\/tokens/);
  assert.equal(push.stderr.includes(token), false, 'the token itself is never echoed');
  assert.equal(await remoteHead(repoDir), before);
  await git.ok(['--git-dir', repoDir, 'fsck', '--strict']);
  const objects = await git.run(['--git-dir', repoDir, 'cat-file', '-e', commit]);
  assert.notEqual(objects.code, 0, 'the refused commit is not in the repository');
});

test('the same token, once revoked, no longer blocks the push', async () => {
  const { user, work, repoDir } = await setup();
  const other = await createToken(server, user, { scopes: ['repo'], note: 'to leak' });
  secrets.push(other.token);
  await commitFile(work, 'leak.txt', `token: ${other.token}\n`);
  assert.notEqual((await git.run(['push', 'origin', 'main'], { cwd: work })).code, 0);
  await server.services.tokens.delete(user, other.id, 'cli');
  await git.ok(['push', 'origin', 'main'], { cwd: work });
  assert.equal(await remoteHead(repoDir), (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim());
});

test('a dead token (never issued) does not block', async () => {
  const { work } = await setup();
  await commitFile(work, 'example.md', 'Use a token like ggp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1yLcDB here.\n');
  await git.ok(['push', 'origin', 'main'], { cwd: work });
});

test("another user's live token blocks the push and notifies its owner", async () => {
  const { work } = await setup();
  const victim = await createUser(server);
  const leaked = await createToken(server, victim, { scopes: ['repo'], note: 'victim laptop' });
  secrets.push(leaked.token);
  await commitFile(work, 'src/deploy.sh', `#!/bin/sh\ncurl -H "Authorization: token ${leaked.token}" https://example.test\n`);
  const push = await git.run(['push', 'origin', 'main'], { cwd: work });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /another user's token/);
  assert.doesNotMatch(push.stderr, /victim laptop/, "the other user's note is not revealed");
  const events = await server.services.audit.list(server.services.db, { userId: victim.id });
  const blocked = events.find((e) => e.action === 'token.leak_blocked');
  assert.ok(blocked);
  assert.equal(blocked.data.path, 'src/deploy.sh');
  assert.equal(blocked.data.line, 2);
  await eventually(() => smtp.mails.some((m) => m.to.includes(victim.email!) && /"victim laptop" was found/.test(m.subject)), 'the owner email');
});

test('blobs above GITGATE_SCAN_MAX_BLOB_BYTES are skipped and logged', async () => {
  const { token, work } = await setup();
  const big = `${'x'.repeat(8000)}\n${token}\n`;
  await commitFile(work, 'big.bin', big);
  await git.ok(['push', 'origin', 'main'], { cwd: work });
  // The warning names the path, found by a walk of the new history that the push does not wait for.
  await eventually(() => server.logs.some((line) => line.includes('secret scanning skipped a blob') && line.includes('big.bin')), 'the warning');
});

test('a token pushed before scanning was enabled is not rescanned on later pushes', async () => {
  const dataDir = makeTempDir();
  const off = await startTestServer({ dataDir, env: { GITGATE_PUSH_PROTECTION: 'off' } });
  const { token, work, name, user } = await setup(off);
  await commitFile(work, 'old-secret.txt', `${token}\n`);
  await git.ok(['push', 'origin', 'main'], { cwd: work });
  await off.close();
  const on = await startTestServer({ dataDir });
  try {
    await git.ok(['remote', 'set-url', 'origin', repoUrl(on.url, `${user.login}/${name}`, { token })], { cwd: work });
    await commitFile(work, 'new.txt', 'harmless\n');
    await git.ok(['push', 'origin', 'main'], { cwd: work });
  } finally {
    await on.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('making a repository public revokes live tokens in its history and tells the owner why', async () => {
  const dataDir = makeTempDir();
  const off = await startTestServer({ dataDir, env: { GITGATE_PUSH_PROTECTION: 'off' } });
  try {
    const { user, work, name } = await setup(off);
    const victim = await createToken(off, user, { note: 'forgotten' });
    await commitFile(work, 'notes.txt', `old token ${victim.token}\n`);
    await git.ok(['push', 'origin', 'main'], { cwd: work });
    const repo = (await off.services.repos.store.findByName(user.login, name))!;
    await off.services.repos.update(SYSTEM, repo, { private: false });
    const authenticate = () =>
      fetch(`${off.url}/${user.login}/${name}.git/info/refs?service=git-upload-pack`, { headers: { authorization: `token ${victim.token}` } });
    const deadline = Date.now() + 5000;
    let status = (await authenticate()).status;
    while (status !== 401 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await authenticate()).status;
    }
    assert.equal(status, 401, 'the exposed token stopped working');
    const events = await off.services.audit.list(off.services.db, { userId: user.id });
    const revoked = events.find((e) => e.action === 'token.revoked_exposed');
    assert.ok(revoked);
    assert.equal(revoked.data.repository, `${user.login}/${name}`);
    assert.equal(revoked.data.path, 'notes.txt');
    assert.match(String(revoked.data.commit), /^[0-9a-f]{40}$/);
  } finally {
    await off.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('no token appears in any log line', () => {
  for (const line of server.logs) for (const secret of secrets) assert.equal(line.includes(secret), false);
});
