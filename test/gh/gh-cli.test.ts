import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { User } from '../../src/domain/accounts/user-store.js';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { assertNoSecretsInLogs, createToken, createUser } from '../helpers/server.js';
import { findGh, type GhHarness, plainHttpTo, startGhHarness } from './gh-harness.js';

// The GitHub CLI as Debian ships it (2.23.0), unmodified, against Gitgate over real TLS. One server
// for the whole file: the tests run in order and build on each other (login first, revocation last).
const gh = findGh();
const skip = gh.available ? false : 'gh is not installed (set GITGATE_REQUIRE_GH=1 to fail instead)';

let h: GhHarness;
let alice: User;
let aliceToken: { token: string; id: number };
let narrowToken: { token: string; id: number };
const ORG = 'acme';

before(async () => {
  if (skip) return;
  h = await startGhHarness();
  alice = await createUser(h.server, { login: 'alice' });
  const bob = await createUser(h.server, { login: 'bob' });
  aliceToken = await createToken(h.server, alice, { scopes: ['repo', 'read:org'], note: 'gh' });
  narrowToken = await createToken(h.server, alice, { scopes: ['repo'], note: 'no read:org' });
  await h.server.services.orgs.create(SYSTEM, ORG, alice);
  await h.server.services.repos.create(SYSTEM, 'bob', { name: 'secret', private: true });
  await h.server.services.repos.create(SYSTEM, bob.login, { name: 'open', private: false });
});

after(async () => {
  if (skip) return;
  assertNoSecretsInLogs(h.server, [aliceToken.token, narrowToken.token]);
  await h.close();
});

const output = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;
const repoPath = (owner: string, name: string) => h.server.services.repos.storage.pathOf(owner, name);

async function serverBranch(owner: string, name: string, branch = 'main'): Promise<string> {
  const r = await h.git(['--git-dir', repoPath(owner, name), 'rev-parse', `refs/heads/${branch}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('gh auth login --with-token refuses a token without read:org with gh\'s own "missing required scope" message', { skip }, async () => {
  const r = await h.gh(['auth', 'login', '--with-token'], { stdin: `${narrowToken.token}\n` });
  assert.notEqual(r.code, 0);
  assert.match(output(r), /missing required scope 'read:org'/);
  assert.equal(fs.existsSync(path.join(h.env.GH_CONFIG_DIR!, 'hosts.yml')) && fs.readFileSync(path.join(h.env.GH_CONFIG_DIR!, 'hosts.yml'), 'utf8').includes(narrowToken.token), false);
});

test('gh auth login --with-token accepts a repo + read:org token for the host in GH_HOST', { skip }, async () => {
  const r = await h.gh(['auth', 'login', '--with-token'], { stdin: `${aliceToken.token}\n` });
  assert.equal(r.code, 0, output(r));
  const hosts = fs.readFileSync(path.join(h.env.GH_CONFIG_DIR!, 'hosts.yml'), 'utf8');
  assert.match(hosts, new RegExp(`^${h.host}:\\n\\s+oauth_token: ${aliceToken.token}$`, 'm'));
});

test('gh auth status names the user and the token\'s scopes', { skip }, async () => {
  const r = await h.gh(['auth', 'status']);
  assert.equal(r.code, 0, output(r));
  assert.match(output(r), new RegExp(`Logged in to ${h.host} as alice`));
  assert.match(output(r), /Token scopes: repo, read:org/);
  assert.equal(output(r).includes(aliceToken.token), false, 'status must mask the token');
});

test('gh auth token --hostname prints the stored token', { skip }, async () => {
  const r = await h.gh(['auth', 'token', '--hostname', h.host]);
  assert.equal(r.code, 0, output(r));
  assert.equal(r.stdout.trim(), aliceToken.token);
});

test('gh api user answers the signed-in user despite the empty Accept header gh sends', { skip }, async () => {
  const r = await h.gh(['api', 'user']);
  assert.equal(r.code, 0, output(r));
  const user = JSON.parse(r.stdout);
  assert.equal(user.login, 'alice');
  assert.equal(user.node_id, Buffer.from(`04:User${alice.id}`).toString('base64'));
});

test('gh repo create NAME --private creates a private repository through GraphQL', { skip }, async () => {
  const r = await h.gh(['repo', 'create', 'made-by-gh', '--private', '--description', 'from gh']);
  assert.equal(r.code, 0, output(r));
  assert.match(r.stdout, /\/alice\/made-by-gh\s*$/);
  const repo = await h.server.services.repos.store.findByName('alice', 'made-by-gh');
  assert.ok(repo, 'the repository exists');
  assert.equal(repo.private, true);
  assert.equal(repo.description, 'from gh');
});

test('gh repo create NAME answers GitHub\'s message when the name is taken', { skip }, async () => {
  const r = await h.gh(['repo', 'create', 'made-by-gh', '--private']);
  assert.notEqual(r.code, 0);
  assert.match(output(r), /Name already exists on this account/);
});

test('gh repo create ORG/NAME --private creates the repository in the organization', { skip }, async () => {
  const r = await h.gh(['repo', 'create', `${ORG}/team-repo`, '--private']);
  assert.equal(r.code, 0, output(r));
  const repo = await h.server.services.repos.store.findByName(ORG, 'team-repo');
  assert.ok(repo, 'the repository exists in the organization');
  assert.equal(repo.private, true);
  assert.equal(repo.ownerType, 'Organization');
});

test('gh repo create NAME --private --add-readme creates a repository whose first commit holds a README', { skip }, async () => {
  const r = await h.gh(['repo', 'create', 'with-readme', '--private', '--add-readme']);
  assert.equal(r.code, 0, output(r));
  const files = await h.git(['--git-dir', repoPath('alice', 'with-readme'), 'ls-tree', '--name-only', 'main']);
  assert.equal(files.code, 0, files.stderr);
  assert.deepEqual(files.stdout.trim().split('\n'), ['README.md']);
});

test('gh repo view OWNER/NAME shows the repository and its README', { skip }, async () => {
  const r = await h.gh(['repo', 'view', 'alice/with-readme']);
  assert.equal(r.code, 0, output(r));
  assert.match(r.stdout, /^name:\talice\/with-readme$/m);
  assert.match(r.stdout, /# with-readme/);
});

test('gh repo view of another user\'s private repository is not found', { skip }, async () => {
  const r = await h.gh(['repo', 'view', 'bob/secret']);
  assert.notEqual(r.code, 0);
  assert.match(output(r), /Could not resolve to a Repository with the name 'bob\/secret'/);
  const open = await h.gh(['repo', 'view', 'bob/open']);
  assert.equal(open.code, 0, `a public repository of another user is visible: ${output(open)}`);
});

test('gh repo clone OWNER/NAME clones a private repository with gh\'s own credentials', { skip }, async () => {
  const r = await h.gh(['repo', 'clone', 'alice/with-readme']);
  assert.equal(r.code, 0, output(r));
  assert.ok(fs.existsSync(path.join(h.home, 'with-readme', 'README.md')));
  const remote = await h.git(['remote', 'get-url', 'origin'], { cwd: path.join(h.home, 'with-readme') });
  assert.equal(remote.stdout.trim(), `https://${h.host}/alice/with-readme.git`);
});

test('gh auth setup-git makes gh the credential helper, so git push from the gh clone works', { skip }, async () => {
  const setup = await h.gh(['auth', 'setup-git']);
  assert.equal(setup.code, 0, output(setup));
  const config = fs.readFileSync(path.join(h.home, '.gitconfig'), 'utf8');
  assert.match(config, new RegExp(`\\[credential "https://${h.host}"\\][\\s\\S]*gh auth git-credential`));

  const work = path.join(h.home, 'with-readme');
  fs.writeFileSync(path.join(work, 'notes.txt'), 'pushed through gh\n');
  assert.equal((await h.git(['add', 'notes.txt'], { cwd: work })).code, 0);
  assert.equal((await h.git(['commit', '-q', '-m', 'Add notes'], { cwd: work })).code, 0);
  const push = await h.git(['push', 'origin', 'main'], { cwd: work });
  assert.equal(push.code, 0, output(push));
  const local = await h.git(['rev-parse', 'HEAD'], { cwd: work });
  assert.equal(await serverBranch('alice', 'with-readme'), local.stdout.trim());
});

test('after gh auth setup-git a plain git clone and git push of a private repository work', { skip }, async () => {
  const clone = await h.git(['clone', '-q', `https://${h.host}/alice/made-by-gh.git`, 'plain-clone']);
  assert.equal(clone.code, 0, output(clone));
  const work = path.join(h.home, 'plain-clone');
  fs.writeFileSync(path.join(work, 'first.txt'), 'first\n');
  await h.git(['add', 'first.txt'], { cwd: work });
  await h.git(['commit', '-q', '-m', 'First'], { cwd: work });
  const push = await h.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
  assert.equal(push.code, 0, output(push));
  assert.equal(await serverBranch('alice', 'made-by-gh'), (await h.git(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim());
});

test('a plain-HTTP request to the HTTPS port is refused cleanly, and HTTPS still answers', { skip }, async () => {
  const answer = await plainHttpTo(h.port);
  assert.equal(answer.closed, true, 'the server closes the connection instead of hanging');
  assert.doesNotMatch(answer.received, /^HTTP\/1\.1 2/);
  const health = await new Promise<number>((resolve, reject) => {
    https.get(`https://${h.host}/-/health`, { ca: fs.readFileSync(h.certFile) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(health, 200);
});

test('gh auth status says a revoked token is invalid', { skip }, async () => {
  await h.server.services.tokens.revokeById(aliceToken.id, 'cli');
  const r = await h.gh(['auth', 'status']);
  assert.notEqual(r.code, 0);
  assert.match(output(r), new RegExp(`${h.host}: authentication failed`));
  assert.match(output(r), /token in .*hosts\.yml is no longer valid/);
});
