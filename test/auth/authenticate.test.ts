import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import type { AuthResult } from '../../src/domain/auth/authenticate.js';
import { DAY } from '../../src/lib/clock.js';
import { runGitgate } from '../helpers/cli.js';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { GITGATE_AUTH_THROTTLE: '10/5m' } });
});
after(() => server.close());

let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;
const auth = async (header: string | undefined, ip = freshIp()): Promise<AuthResult> =>
  server.services.authenticator.authenticate(server.services.authenticator.prepare(header), { ip, userAgent: 'test' });
const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
const failure = (result: AuthResult) => (result.ok ? 'ok' : result.failure.reason);

test('a valid token authenticates as its user with its scopes, through every header form', async () => {
  const user = await createUser(server);
  const { token } = await createToken(server, user, { scopes: ['repo', 'read:org'] });
  for (const header of [`token ${token}`, `Bearer ${token}`, `bearer ${token}`, basic(`x-access-token:${token}`), basic(`${token}:x-oauth-basic`)]) {
    const result = await auth(header);
    assert.ok(result.ok && result.actor.kind === 'user', header);
    assert.equal(result.actor.kind === 'user' && result.actor.user.login, user.login);
    assert.deepEqual(result.actor.kind === 'user' && result.actor.token?.scopes, ['repo', 'read:org']);
  }
});

test('no Authorization header is anonymous', async () => {
  const result = await auth(undefined);
  assert.ok(result.ok && result.actor.kind === 'anonymous');
});

test('empty, wrong-scheme, bad-base64 and non-ASCII credentials are refused, never anonymous', async () => {
  for (const header of ['', 'Digest x', 'Basic %%%', 'Bearer tökén', `Bearer ggp_${'x'.repeat(36)}`]) {
    assert.equal(failure(await auth(header)), 'bad_credentials', header);
  }
});

test('a deleted token is refused like an unknown one, on the very next request after being used', async () => {
  const user = await createUser(server);
  const { token, id } = await createToken(server, user);
  assert.equal(failure(await auth(`token ${token}`)), 'ok');
  await server.services.tokens.delete(user, id, 'cli');
  assert.equal(failure(await auth(`token ${token}`)), 'bad_credentials');
});

test('a regenerated token kills the old secret at once and the new one works', async () => {
  const user = await createUser(server);
  const { token, id } = await createToken(server, user, { scopes: ['repo'] });
  assert.equal(failure(await auth(`token ${token}`)), 'ok');
  const regenerated = await server.services.tokens.regenerate(user, id, { kind: 'days', days: 7 }, 'cli');
  assert.equal(failure(await auth(`token ${token}`)), 'bad_credentials');
  assert.equal(failure(await auth(`token ${regenerated.token}`)), 'ok');
});

test('a token expired by one second is refused and the attempt is audited', async () => {
  const user = await createUser(server);
  const { token } = await createToken(server, user, { expires: '7' });
  server.clock.advance(7 * DAY - 1000);
  assert.equal(failure(await auth(`token ${token}`)), 'ok');
  server.clock.advance(1000);
  assert.equal(failure(await auth(`token ${token}`)), 'bad_credentials');
  server.clock.advance(-7 * DAY);
  // The audit write is off the request path: wait for it rather than for a fixed time.
  let events = await server.services.audit.list(server.services.db, { userId: user.id });
  const deadline = Date.now() + 5000;
  while (!events.some((e) => e.action === 'token.expired_use') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    events = await server.services.audit.list(server.services.db, { userId: user.id });
  }
  assert.ok(events.some((e) => e.action === 'token.expired_use'));
});

test('a suspended user is refused as suspended, and works again once unsuspended', async () => {
  const user = await createUser(server);
  const { token } = await createToken(server, user);
  assert.equal(failure(await auth(`token ${token}`)), 'ok');
  await server.services.accounts.suspend(user.login, 'cli');
  assert.equal(failure(await auth(`token ${token}`)), 'suspended');
  await server.services.accounts.unsuspend(user.login, 'cli');
  assert.equal(failure(await auth(`token ${token}`)), 'ok');
});

test('a token revoked or a user suspended by another process (the CLI) is refused on the next request', async (t) => {
  if (server.runtime.database.dialect !== 'sqlite') {
    t.skip('nothing is kept in memory on PostgreSQL: this checks the SQLite change stamp');
    return;
  }
  const cli = (args: string[]) => runGitgate([...args, '--data', server.dataDir], { env: { GITGATE_SECRET_KEY: undefined } });
  const user = await createUser(server);
  const revoked = await createToken(server, user);
  const kept = await createToken(server, user);
  for (const t of [revoked, kept]) assert.equal(failure(await auth(`token ${t.token}`)), 'ok');
  // Last-used writes land first, then both tokens are read again: nothing of this process writes
  // after that, so only the other process's commit can tell the server its memory is stale.
  await server.services.tokens.flushLastUsed();
  for (const t of [revoked, kept]) assert.equal(failure(await auth(`token ${t.token}`)), 'ok');
  const revoke = await cli(['token', 'revoke', String(revoked.id)]);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal(failure(await auth(`token ${revoked.token}`)), 'bad_credentials');
  assert.equal(failure(await auth(`token ${kept.token}`)), 'ok');
  const suspend = await cli(['user', 'suspend', user.login]);
  assert.equal(suspend.code, 0, suspend.stderr);
  assert.equal(failure(await auth(`token ${kept.token}`)), 'suspended');
});

test('on one keep-alive connection, each request is authenticated by its own header: a revoked token is refused on the next request', async () => {
  const user = await createUser(server);
  const other = await createUser(server);
  const first = await createToken(server, user);
  const second = await createToken(server, other);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  // GET /api/v3/user over the agent's one connection: the status, and the login or the message.
  const get = (authorization?: string) =>
    new Promise<{ status: number; login?: string; message?: string }>((resolve, reject) => {
      const request = http.get(`${server.url}/api/v3/user`, { agent, headers: authorization ? { authorization } : {} }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          const { login, message } = JSON.parse(body) as { login?: string; message?: string };
          resolve({ status: response.statusCode!, ...(login ? { login } : { message }) });
        });
      });
      request.on('socket', (socket) => sockets.add(socket));
      request.on('error', reject);
    });
  try {
    assert.deepEqual(await get(`token ${first.token}`), { status: 200, login: user.login });
    assert.deepEqual(await get(`token ${first.token}`), { status: 200, login: user.login });
    assert.deepEqual(await get(`token ${second.token}`), { status: 200, login: other.login });
    assert.deepEqual(await get(`Bearer ${first.token}`), { status: 200, login: user.login });
    const oneOff = `${first.token.slice(0, -1)}${first.token.endsWith('x') ? 'y' : 'x'}`;
    assert.deepEqual(await get(`token ${oneOff}`), { status: 401, message: 'Bad credentials' }, 'a token one character off');
    assert.deepEqual(await get(), { status: 401, message: 'Requires authentication' }, 'no header: anonymous again');
    assert.deepEqual(await get(`token ${first.token}`), { status: 200, login: user.login });
    await server.services.tokens.delete(user, first.id, 'cli');
    assert.deepEqual(await get(`token ${first.token}`), { status: 401, message: 'Bad credentials' }, 'deleted: refused on the next request');
    assert.equal(sockets.size, 1, 'every request went over the one connection');
  } finally {
    agent.destroy();
  }
});

test('password authentication is off by default and says so', async () => {
  const user = await createUser(server);
  assert.equal(failure(await auth(basic(`${user.login}:${user.password}`))), 'password_auth_disabled');
});

test('invalid tokens from one IP are throttled past the limit, while a valid token from it still works', async () => {
  const user = await createUser(server);
  const { token } = await createToken(server, user);
  const ip = freshIp();
  for (let i = 0; i < 10; i++) assert.equal(failure(await auth('Bearer garbage', ip)), 'bad_credentials');
  const throttled = await auth('Bearer garbage', ip);
  assert.equal(failure(throttled), 'throttled');
  assert.ok(!throttled.ok && throttled.failure.reason === 'throttled' && throttled.failure.retryAfterSeconds > 0);
  assert.equal(failure(await auth(`token ${token}`, ip)), 'ok');
  assert.equal(failure(await auth('Bearer garbage', freshIp())), 'bad_credentials');
});

test('the site maximum lifetime is enforced when a token is used', async () => {
  const capped = await startTestServer({ env: { GITGATE_TOKEN_MAX_LIFETIME_DAYS: '30' } });
  try {
    const user = await createUser(capped);
    const { token } = await createToken(capped, user, { expires: '90' });
    const info = (await capped.services.tokens.list(user))[0]!;
    assert.equal(new Date(info.expiresAt!).getTime() - new Date(info.createdAt).getTime(), 30 * DAY);
    const authenticate = (header: string) => capped.services.authenticator.authenticate(capped.services.authenticator.prepare(header), { ip: freshIp(), userAgent: null });
    assert.equal(failure(await authenticate(`token ${token}`)), 'ok');
    capped.clock.advance(30 * DAY);
    assert.equal(failure(await authenticate(`token ${token}`)), 'bad_credentials');
  } finally {
    await capped.close();
  }
});

test('last use is recorded at most once a minute per token', async () => {
  const user = await createUser(server);
  const { token, id } = await createToken(server, user);
  const lastUsed = async () => (await server.services.tokens.get(user, id)).lastUsedAt;
  // Uses are written behind the request (write-behind): flushing writes what was queued, now.
  const useAndFlush = async () => {
    await auth(`token ${token}`);
    await server.services.tokens.flushLastUsed();
  };
  await useAndFlush();
  const first = await lastUsed();
  assert.ok(first);
  server.clock.advance(30_000);
  await useAndFlush(); // a write, if one were (wrongly) queued, has landed now
  assert.equal(await lastUsed(), first);
  server.clock.advance(31_000);
  await useAndFlush();
  assert.notEqual(await lastUsed(), first);
});
