import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { makeTempDir } from '../db/engines.js';
import { runGitgate } from '../helpers/cli.js';
import { createThrowawayDatabase, postgresSkipReason, requirePostgresUrl } from '../helpers/postgres.js';
import { webClient } from '../web/web-client.js';
import { basic, git, infoRefs, type Instance, startInstance } from './instances.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Three real Gitgate processes sharing one PostgreSQL database, one secret key and one data
 * directory (repositories on "shared storage"), as behind a load balancer.
 */
test('several instances on one PostgreSQL database share tokens, sessions, revocations, suspensions, expiry, throttling and repositories', { skip: postgresSkipReason() ?? false }, async (t) => {
  requirePostgresUrl();
  const database = await createThrowawayDatabase();
  const dataDir = makeTempDir('gitgate-multi-');
  const env = {
    GITGATE_DATABASE_URL: database.url,
    GITGATE_SECRET_KEY: randomBytes(32).toString('hex'),
    GITGATE_PASSWORD_AUTH: 'true',
    GITGATE_AUTH_THROTTLE: '3/5m',
    GITGATE_RATE_LIMIT: '100000',
  };
  const instances: Instance[] = [];
  t.after(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // All three start at once on an empty database: one migrates, the others wait.
  instances.push(...(await Promise.all([startInstance(dataDir, env), startInstance(dataDir, env), startInstance(dataDir, env)])));
  const [a, b, c] = instances as [Instance, Instance, Instance];
  for (const instance of instances) assert.equal((await fetch(`${instance.url}/-/ready`)).status, 200);

  const cli = (args: string[], stdin?: string) => runGitgate([...args, '--data', dataDir], { env, stdin });
  const created = await cli(['user', 'create', 'mona', '--email', 'mona@example.com', '--password-stdin'], `${PASSWORD}\n`);
  assert.equal(created.code, 0, created.stderr);
  assert.equal((await cli(['repo', 'create', 'mona/secret', '--private'])).code, 0);
  const issued = await cli(['token', 'create', '--user', 'mona', '--note', 'shared', '--scopes', 'repo']);
  assert.equal(issued.code, 0, issued.stderr);
  const token = issued.stdout.trim();
  const tokenAuth = basic('x-access-token', token);

  await t.test('a token created through one process works through every instance', async () => {
    for (const instance of instances) assert.equal((await infoRefs(instance.url, 'mona/secret', tokenAuth)).status, 200);
  });

  await t.test('two pushes through two instances race safely and leave a consistent repository', async () => {
    const work = makeTempDir('gitgate-multi-work-');
    t.after(() => fs.rmSync(work, { recursive: true, force: true }));
    const remote = (instance: Instance) => `${instance.url.replace('://', `://x-access-token:${token}@`)}/mona/secret.git`;
    await git(['init', '--quiet', '--initial-branch=main', path.join(work, 'base')]);
    await git(['commit', '--quiet', '--allow-empty', '-m', 'base'], path.join(work, 'base'));
    await git(['push', '--quiet', remote(a), 'main'], path.join(work, 'base'));
    const clones = ['one', 'two'];
    for (const name of clones) {
      await git(['clone', '--quiet', remote(name === 'one' ? a : b), path.join(work, name)]);
      fs.writeFileSync(path.join(work, name, `${name}.txt`), `${name}\n`);
      await git(['add', '.'], path.join(work, name));
      await git(['commit', '--quiet', '-m', name], path.join(work, name));
    }
    // Same branch through A and B at once: git's ref lock lets exactly one through.
    const sameBranch = await Promise.allSettled([
      git(['push', '--quiet', remote(a), 'main'], path.join(work, 'one')),
      git(['push', '--quiet', remote(b), 'main'], path.join(work, 'two')),
    ]);
    assert.equal(sameBranch.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one push to main wins');
    // Different branches through A and B at once: both land.
    const branches = await Promise.allSettled([
      git(['push', '--quiet', remote(a), 'HEAD:refs/heads/one'], path.join(work, 'one')),
      git(['push', '--quiet', remote(b), 'HEAD:refs/heads/two'], path.join(work, 'two')),
    ]);
    assert.deepEqual(branches.map((r) => r.status), ['fulfilled', 'fulfilled']);
    const bare = path.join(dataDir, 'repositories', 'mona', 'secret.git');
    await git(['fsck', '--strict', '--no-progress'], bare);
    const refs = (await git(['for-each-ref', '--format=%(refname)'], bare)).stdout.trim().split('\n');
    assert.deepEqual(refs, ['refs/heads/main', 'refs/heads/one', 'refs/heads/two']);
    const ls = await git(['ls-remote', remote(c)]);
    assert.match(ls.stdout, /refs\/heads\/two/, 'a third instance sees both pushes');
  });

  // Users of their own for the web and suspension checks, so mona's throttled password below touches them not.
  for (const [login, admin] of [['hubot', true], ['octocat', false], ['monalisa', false]] as const) {
    const made = await cli(['user', 'create', login, '--email', `${login}@example.com`, '--password-stdin', ...(admin ? ['--admin'] : [])], `${PASSWORD}\n`);
    assert.equal(made.code, 0, made.stderr);
  }
  const apiUser = (instance: Instance, secret: string) => fetch(`${instance.url}/api/v3/user`, { headers: { authorization: `token ${secret}` } });
  /** Signs in through the web form of one instance: GET /login for the CSRF token and cookie, then POST /login. */
  async function signInThrough(instance: Instance, login: string) {
    const jar = new Map<string, string>();
    const client = webClient(instance, jar);
    const signedIn = await client.signIn(login, PASSWORD);
    assert.equal(signedIn.response.status, 303, signedIn.html);
    assert.ok(jar.has('gitgate_session'), 'a session cookie was set');
    return { client, jar };
  }

  await t.test('a session made by signing in on one instance is valid on the others', async () => {
    const { jar } = await signInThrough(a, 'octocat');
    for (const instance of [b, c]) {
      const page = await webClient(instance, jar).get('/settings/profile');
      assert.equal(page.response.status, 200, instance.url);
      assert.match(page.html, /Signed in as <strong>octocat<\/strong>/);
    }
  });

  await t.test('a user suspended through one instance is refused on the very next request through the others, by token and by session', async () => {
    const issuedFor = await cli(['token', 'create', '--user', 'monalisa', '--note', 'suspend me', '--scopes', 'repo']);
    assert.equal(issuedFor.code, 0, issuedFor.stderr);
    const secret = issuedFor.stdout.trim();
    const { jar } = await signInThrough(a, 'monalisa');
    for (const instance of [a, b]) {
      assert.equal((await apiUser(instance, secret)).status, 200);
      assert.equal((await webClient(instance, jar).get('/settings/profile')).response.status, 200);
    }

    // An administrator suspends her through instance C's admin page (signing in there starts sudo mode).
    const admin = await signInThrough(c, 'hubot');
    const _csrf = await admin.client.csrfFrom('/admin');
    const suspended = await admin.client.post('/admin/users/monalisa/suspend', { _csrf });
    assert.equal(suspended.response.status, 303, suspended.html);
    assert.equal(suspended.response.headers.get('location'), '/admin');

    for (const instance of [a, b]) {
      const api = await apiUser(instance, secret);
      assert.equal(api.status, 403, instance.url);
      assert.equal(((await api.json()) as { message: string }).message, 'Sorry. Your account was suspended.');
      const page = await webClient(instance, jar).get('/settings/profile');
      assert.equal(page.response.status, 303, instance.url);
      assert.equal(page.response.headers.get('location'), '/login?return_to=%2Fsettings%2Fprofile');
    }
    assert.ok(![a, b, c].some((i) => i.output().includes(secret)), 'the token never reaches an instance log');
  });

  await t.test('a token that expired is refused by every instance', async () => {
    const issuedFor = await cli(['token', 'create', '--user', 'octocat', '--note', 'short lived', '--scopes', 'repo', '--expires', '7']);
    assert.equal(issuedFor.code, 0, issuedFor.stderr);
    const secret = issuedFor.stdout.trim();
    for (const instance of instances) assert.equal((await apiUser(instance, secret)).status, 200);
    // A child process's clock cannot be moved from here, so the token is made to expire by moving its
    // expires_at into the past directly in the shared database, through the test's own connection.
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const past = new Date(Date.now() - 60_000).toISOString();
      const updated = await db.query("UPDATE access_tokens SET expires_at = $1 WHERE note = 'short lived'", [past]);
      assert.equal(updated.rowCount, 1);
    } finally {
      await db.end();
    }
    for (const instance of instances) {
      const api = await apiUser(instance, secret);
      assert.equal(api.status, 401, instance.url);
      assert.equal(((await api.json()) as { message: string }).message, 'Bad credentials');
    }
    assert.ok(![a, b, c].some((i) => i.output().includes(secret)), 'the token never reaches an instance log');
  });

  await t.test('password failures are counted across instances', async () => {
    const good = basic('mona', PASSWORD);
    const bad = basic('mona', 'not the password at all');
    assert.equal((await infoRefs(a.url, 'mona/secret', good)).status, 200);
    assert.equal((await infoRefs(a.url, 'mona/secret', bad)).status, 401);
    assert.equal((await infoRefs(b.url, 'mona/secret', bad)).status, 401);
    assert.equal((await infoRefs(c.url, 'mona/secret', bad)).status, 401);
    // Three failures spread over three processes reach the limit of 3: even the right password waits.
    const throttled = await infoRefs(a.url, 'mona/secret', good);
    assert.equal(throttled.status, 429);
    assert.equal((await infoRefs(b.url, 'mona/secret', good)).status, 429);
  });

  await t.test('a token revoked through the command line is refused by every instance on the next request', async () => {
    const listed = await cli(['token', 'list', '--user', 'mona', '--json']);
    const id = (JSON.parse(listed.stdout) as { id: number; note: string }[]).find((row) => row.note === 'shared')!.id;
    assert.equal((await infoRefs(a.url, 'mona/secret', tokenAuth)).status, 200);
    assert.equal((await infoRefs(b.url, 'mona/secret', tokenAuth)).status, 200);
    const revoked = await cli(['token', 'revoke', String(id)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    for (const instance of instances) assert.equal((await infoRefs(instance.url, 'mona/secret', tokenAuth)).status, 401);
  });

  for (const instance of instances) assert.ok(!instance.output().includes(token), 'the token never reaches an instance log');
});
