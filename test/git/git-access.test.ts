import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { DAY } from '../../src/lib/clock.js';
import { assertNoSecretsInLogs, createToken, createUser, makeTempDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createGitClient, type GitClient, type GitResult, repoUrl } from './git-client.js';

// One server for the whole access matrix: users, an organization, collaborators and tokens of every
// kind, driven by the stock git client exactly as a user or a CI script would drive it.
let server: TestServer;
let git: GitClient;
let work: string;
const secrets: string[] = [];
const tokens: Record<string, string> = {};
let branch = 0;

async function token(name: string, user: Awaited<ReturnType<typeof createUser>>, scopes: string[], expires = '30') {
  const issued = await createToken(server, user, { scopes, expires });
  tokens[name] = issued.token;
  secrets.push(issued.token);
  return issued;
}

before(async () => {
  server = await startTestServer();
  git = createGitClient();
  const alice = await createUser(server, { login: 'alice' });
  const olga = await createUser(server, { login: 'olga' });
  const bob = await createUser(server, { login: 'bob' });
  const cora = await createUser(server, { login: 'cora' });
  const walt = await createUser(server, { login: 'walt' });
  const sam = await createUser(server, { login: 'sam' });
  await token('aliceRepo', alice, ['repo']);
  await token('alicePublic', alice, ['public_repo']);
  await token('aliceNone', alice, []);
  await token('aliceWeek', alice, ['repo'], '7');
  const doomed = await token('aliceDeleted', alice, ['repo']);
  await token('olgaRepo', olga, ['repo']);
  await token('bobRepo', bob, ['repo']);
  await token('coraRepo', cora, ['repo']);
  await token('waltRepo', walt, ['repo']);
  await token('samRepo', sam, ['repo']);
  await server.services.tokens.delete(alice, doomed.id, 'cli');
  await server.services.accounts.suspend('sam', 'cli');

  await server.services.repos.create(SYSTEM, 'alice', { name: 'pub' });
  const priv = await server.services.repos.create(SYSTEM, 'alice', { name: 'priv', private: true });
  await server.services.orgs.create(SYSTEM, 'acme', olga);
  await server.services.orgs.setMember(SYSTEM, 'acme', 'bob', 'member');
  await server.services.repos.create(SYSTEM, 'acme', { name: 'secret', private: true });
  await server.services.repos.setCollaborator(SYSTEM, priv, 'cora', 'read');
  await server.services.repos.setCollaborator(SYSTEM, priv, 'walt', 'write');

  work = path.join(git.home, 'work');
  await git.ok(['init', '-q', work]);
  await git.ok(['commit', '-q', '--allow-empty', '-m', 'first'], { cwd: work });
  for (const [name, tok] of [['alice/pub', 'aliceRepo'], ['alice/priv', 'aliceRepo'], ['acme/secret', 'olgaRepo']] as const) {
    await git.ok(['push', '-q', repoUrl(server.url, name, { token: tokens[tok]! }), 'HEAD:refs/heads/main'], { cwd: work });
  }
});

after(async () => {
  await server?.close();
  git?.cleanup();
});

function credentialsOf(who: string) {
  return who === 'anonymous' ? undefined : { user: who.replace(/[A-Z].*$/, ''), token: tokens[who]! };
}

async function cloneAs(who: string, repo: string): Promise<GitResult> {
  branch += 1;
  return git.run(['clone', '-q', '--bare', repoUrl(server.url, repo, credentialsOf(who)), `clone-${branch}`]);
}

async function pushAs(who: string, repo: string): Promise<GitResult> {
  branch += 1;
  return git.run(['push', '-q', repoUrl(server.url, repo, credentialsOf(who)), `HEAD:refs/heads/b${branch}`], { cwd: work });
}

type Expect = 'ok' | 'challenge' | 'not_found' | 'not_found_hint' | 'permission' | 'scope' | 'bad_token' | 'suspended';

function assertOutcome(result: GitResult, expected: Expect, who: string, repo: string) {
  const stderr = result.stderr;
  if (expected === 'ok') return assert.equal(result.code, 0, stderr);
  assert.notEqual(result.code, 0, `expected a refusal (${expected})`);
  assert.doesNotMatch(stderr, /ggp_/, 'the token never appears in git output');
  switch (expected) {
    case 'challenge':
      return assert.match(stderr, /could not read Username/);
    case 'not_found':
      assert.match(stderr, /remote: Repository not found\./);
      return assert.doesNotMatch(stderr, /repo scope/);
    case 'not_found_hint':
      assert.match(stderr, /remote: Repository not found\./);
      return assert.match(stderr, /remote: If the repository is private, the personal access token needs the repo scope\./);
    case 'permission':
      return assert.match(stderr, new RegExp(`remote: Permission to ${repo}\\.git denied to ${credentialsOf(who)!.user}\\.`));
    case 'scope':
      return assert.match(stderr, new RegExp(`remote: The token's scopes \\(\\) do not allow pushing to ${repo}\\. Needs: public_repo or repo\\.`));
    case 'bad_token':
      assert.match(stderr, /remote: Invalid username or token\. Password authentication is not supported for Git operations\./);
      assert.ok(stderr.includes(`${server.config.baseUrl}/settings/tokens`), stderr);
      return assert.match(stderr, /Authentication failed/);
    case 'suspended':
      return assert.match(stderr, /remote: Your account is suspended\./);
  }
}

const SAY: Record<Expect, string> = {
  ok: 'succeeds',
  challenge: 'is challenged for credentials',
  not_found: 'is told the repository is not found',
  not_found_hint: 'is told the repository is not found, with the repo scope hint',
  permission: 'is refused for lack of permission',
  scope: 'is refused for lack of scope',
  bad_token: 'is refused as an invalid token',
  suspended: 'is refused as suspended',
};

// who (a token, named after its user and scopes), operation, repository, outcome.
const TABLE: Array<[string, 'clone' | 'push', string, Expect]> = [
  ['anonymous', 'clone', 'alice/pub', 'ok'],
  ['anonymous', 'clone', 'alice/priv', 'challenge'],
  ['anonymous', 'clone', 'alice/missing', 'challenge'],
  ['anonymous', 'push', 'alice/pub', 'challenge'],
  ['aliceNone', 'clone', 'alice/pub', 'ok'],
  ['aliceNone', 'clone', 'alice/priv', 'not_found_hint'],
  ['aliceNone', 'push', 'alice/pub', 'scope'],
  ['alicePublic', 'clone', 'alice/priv', 'not_found_hint'],
  ['alicePublic', 'push', 'alice/pub', 'ok'],
  ['alicePublic', 'push', 'alice/priv', 'not_found_hint'],
  ['aliceRepo', 'clone', 'alice/priv', 'ok'],
  ['aliceRepo', 'push', 'alice/pub', 'ok'],
  ['aliceRepo', 'push', 'alice/priv', 'ok'],
  ['aliceRepo', 'clone', 'alice/missing', 'not_found'],
  ['aliceRepo', 'clone', 'acme/secret', 'not_found'],
  ['bobRepo', 'clone', 'acme/secret', 'ok'],
  ['bobRepo', 'push', 'acme/secret', 'permission'],
  ['bobRepo', 'push', 'alice/pub', 'permission'],
  ['olgaRepo', 'clone', 'acme/secret', 'ok'],
  ['olgaRepo', 'push', 'acme/secret', 'ok'],
  ['olgaRepo', 'clone', 'alice/priv', 'not_found'],
  ['coraRepo', 'clone', 'alice/priv', 'ok'],
  ['coraRepo', 'push', 'alice/priv', 'permission'],
  ['waltRepo', 'clone', 'alice/priv', 'ok'],
  ['waltRepo', 'push', 'alice/priv', 'ok'],
  // git sends credentials only after a 401: a public clone never presents them, so these use private ones.
  ['aliceDeleted', 'clone', 'alice/priv', 'bad_token'],
  ['aliceDeleted', 'push', 'alice/pub', 'bad_token'],
  ['samRepo', 'clone', 'alice/priv', 'suspended'],
  ['samRepo', 'push', 'alice/pub', 'suspended'],
];

describe('the scope and permission table over git', () => {
  for (const [who, op, repo, expected] of TABLE) {
    test(`${op} of ${repo} by ${who} ${SAY[expected]}`, async () => {
      const result = op === 'clone' ? await cloneAs(who, repo) : await pushAs(who, repo);
      assertOutcome(result, expected, who, repo);
    });
  }
});

describe('answers over raw HTTP', () => {
  test('answers an anonymous request for a private repository with a Basic challenge, never a 404', async () => {
    for (const repo of ['alice/priv', 'alice/missing']) {
      const res = await fetch(`${server.url}/${repo}.git/info/refs?service=git-upload-pack`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Gitgate"');
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), 'Repository not found.\n');
    }
  });

  test('challenges an anonymous push to a public repository', async () => {
    const res = await fetch(`${server.url}/alice/pub/info/refs?service=git-receive-pack`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Gitgate"');
  });

  test('sets the token headers on token-authenticated git responses', async () => {
    const res = await fetch(`${server.url}/alice/priv.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${tokens.aliceRepo}`).toString('base64')}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-oauth-scopes'), 'repo');
    assert.equal(res.headers.get('x-accepted-oauth-scopes'), 'repo');
    assert.ok(res.headers.get('github-authentication-token-expiration'));
    assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-advertisement');
    assert.match(res.headers.get('cache-control') ?? '', /no-cache/);
    await res.arrayBuffer();
  });

  test('refuses a password with the personal access token message', async () => {
    const res = await fetch(`${server.url}/alice/priv.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from('alice:correct horse battery staple').toString('base64')}` },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Gitgate"');
    assert.match(await res.text(), /Create a personal access token at .*\/settings\/tokens/);
  });

  test('refuses a bad token even for a public repository instead of downgrading it to anonymous', async () => {
    const res = await fetch(`${server.url}/alice/pub.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${tokens.aliceDeleted}`).toString('base64')}` },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Gitgate"');
    assert.equal(
      await res.text(),
      `Invalid username or token. Password authentication is not supported for Git operations. Create a personal access token at ${server.config.baseUrl}/settings/tokens\n`,
    );
  });

  test('does not offer the dumb protocol', async () => {
    const res = await fetch(`${server.url}/alice/pub.git/info/refs`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /smart HTTP/);
  });
});

describe('credentials supplied the ways users supply them', () => {
  function askpass(dir: string, password: string): string {
    const file = path.join(dir, `askpass-${branch++}.sh`);
    fs.writeFileSync(file, `#!/bin/sh\ncase "$1" in\n  Username*) echo alice ;;\n  *) echo '${password}' ;;\nesac\n`, { mode: 0o755 });
    return file;
  }

  test('clones a private repository with a token from a GIT_ASKPASS program', async () => {
    const result = await git.run(['clone', '-q', repoUrl(server.url, 'alice/priv'), 'askpass-clone'], {
      env: { GIT_ASKPASS: askpass(git.home, tokens.aliceRepo!) },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(fs.existsSync(path.join(git.home, 'askpass-clone', '.git')));
  });

  test('credential.helper store saves the token after success and erases it after a 401', async () => {
    const store = path.join(git.home, '.git-credentials');
    fs.rmSync(store, { force: true });
    const helper = ['-c', 'credential.helper=store'];
    const first = await git.run([...helper, 'clone', '-q', repoUrl(server.url, 'alice/priv'), 'store-clone'], {
      env: { GIT_ASKPASS: askpass(git.home, tokens.aliceRepo!) },
    });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(fs.readFileSync(store, 'utf8').includes(tokens.aliceRepo!), 'the token is stored after success');

    const again = await git.run([...helper, 'ls-remote', repoUrl(server.url, 'alice/priv')]);
    assert.equal(again.code, 0, 'the stored token is used without asking');

    fs.writeFileSync(store, `${new URL(server.url).protocol}//alice:${tokens.aliceDeleted}@${new URL(server.url).host}\n`);
    const refused = await git.run([...helper, 'ls-remote', repoUrl(server.url, 'alice/priv')]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /remote: Invalid username or token/);
    assert.ok(!fs.readFileSync(store, 'utf8').includes(tokens.aliceDeleted!), 'the refused token is erased');
  });

  test('credential.helper cache remembers the token between commands', async (t) => {
    const socketDir = makeTempDir('gitgate-cache-');
    const socket = path.join(socketDir, 'sock');
    const helper = ['-c', `credential.helper=cache --socket ${socket} --timeout 300`];
    t.after(async () => {
      await git.run(['credential-cache', '--socket', socket, 'exit']);
      fs.rmSync(socketDir, { recursive: true, force: true });
    });
    const first = await git.run([...helper, 'clone', '-q', repoUrl(server.url, 'alice/priv'), 'cache-clone'], {
      env: { GIT_ASKPASS: askpass(git.home, tokens.aliceRepo!) },
    });
    assert.equal(first.code, 0, first.stderr);
    const failing = path.join(git.home, 'no-askpass.sh');
    fs.writeFileSync(failing, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const second = await git.run([...helper, 'ls-remote', repoUrl(server.url, 'alice/priv')], { env: { GIT_ASKPASS: failing } });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /refs\/heads\/main/);
  });
});

describe('token lifetime', () => {
  test('refuses a token once it has expired (the clock moves, nobody sleeps)', async () => {
    assertOutcome(await cloneAs('aliceWeek', 'alice/priv'), 'ok', 'aliceWeek', 'alice/priv');
    server.clock.advance(8 * DAY);
    assertOutcome(await cloneAs('aliceWeek', 'alice/priv'), 'bad_token', 'aliceWeek', 'alice/priv');
  });

  test('writes no token into any log line', () => {
    assertNoSecretsInLogs(server, secrets);
  });
});
