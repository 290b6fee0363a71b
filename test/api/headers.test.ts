import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rateLimiterFor } from '../../src/http/api/rate-limiter.js';
import { validateGitHubResponse } from '../helpers/openapi.js';
import { assertNoSecretsInLogs, createToken, createUser, makeTempDir, startTestServer, type TestServer } from '../helpers/server.js';
import { api, userWithToken } from './support.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { GITGATE_PASSWORD_AUTH: 'true' } });
});
after(() => server.close());

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

test('every Authorization form GitHub clients send works, and garbage is 401 Bad credentials', async () => {
  const { user, token } = await userWithToken(server, ['repo']);
  const forms = [`token ${token}`, `Bearer ${token}`, `bearer ${token}`, `TOKEN ${token}`, basic(`${user.login}:${token}`), basic(`${token}:x-oauth-basic`), basic(`${token}:`)];
  for (const header of forms) {
    const res = await api(server, '/user', { headers: { Authorization: header } });
    assert.equal(res.status, 200, header.split(' ')[0]);
    assert.equal(((await res.json()) as { login: string }).login, user.login);
  }
  for (const header of ['token', 'token ggp_garbage', 'Digest abc', 'Basic !!!', basic('nobody:wrong-password'), '']) {
    const res = await api(server, '/user', { headers: { Authorization: header } });
    assert.equal(res.status, 401, JSON.stringify(header));
    assert.equal(((await res.json()) as { message: string }).message, 'Bad credentials');
  }
  // A password works only where password authentication is enabled (it is, on this server).
  assert.equal((await api(server, '/user', { headers: { Authorization: basic(`${user.login}:${user.password}`) } })).status, 200);
  assertNoSecretsInLogs(server, [token, user.password]);
});

test('a session cookie never authenticates the API', async () => {
  const user = await createUser(server);
  const secret = await server.services.sessions.create(user, '127.0.0.1', 'test');
  const cookie = ['gitgate_session', 'session', '__Host-gitgate_session'].map((name) => `${name}=${secret}`).join('; ');
  const res = await api(server, '/user', { headers: { Cookie: cookie } });
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { message: string }).message, 'Requires authentication');
});

test('a suspended user\'s token is refused with GitHub\'s suspension message', async () => {
  const { user, token } = await userWithToken(server, []);
  await server.services.accounts.suspend(user.login, 'cli');
  const res = await api(server, '/user', { token });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { message: string }).message, 'Sorry. Your account was suspended.');
});

test('the root map answers with and without a trailing slash, with the token headers and an empty Accept', async () => {
  const { token } = await userWithToken(server, ['repo', 'user']);
  for (const path of ['', '/']) {
    const res = await api(server, path, { token, headers: { Accept: '' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
    assert.equal(res.headers.get('x-oauth-scopes'), 'repo, user');
    assert.equal(res.headers.get('x-accepted-oauth-scopes'), '');
    assert.match(res.headers.get('github-authentication-token-expiration') ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const body = await res.json();
    assert.deepEqual(validateGitHubResponse('GET', '/', 200, body), []);
    assert.equal((body as { current_user_url: string }).current_user_url, `${server.url}/api/v3/user`);
  }
});

test('a GET answers an ETag, and If-None-Match with it answers 304 without a body', async () => {
  const { token } = await userWithToken(server, []);
  const first = await api(server, '/user', { token });
  const etag = first.headers.get('etag');
  assert.ok(etag);
  const second = await api(server, '/user', { token, headers: { 'If-None-Match': etag } });
  assert.equal(second.status, 304);
  assert.equal(await second.text(), '');
  const other = await userWithToken(server, []);
  assert.equal((await api(server, '/user', { token: other.token, headers: { 'If-None-Match': etag } })).status, 200);
});

test('unknown API paths are GitHub-style JSON 404s', async () => {
  const res = await api(server, '/no/such/thing');
  assert.equal(res.status, 404);
  assert.deepEqual(Object.keys((await res.json()) as object).sort(), ['documentation_url', 'message']);
});

test('the OpenAPI document is generated from the route schemas', async () => {
  const res = await api(server, '/openapi.json');
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string }[]; 'x-accepted-oauth-scopes': string[] }>> };
  assert.match(doc.openapi, /^3\./);
  assert.deepEqual(doc.paths['/repos/{owner}/{repo}']!.delete!['x-accepted-oauth-scopes'], ['delete_repo']);
  assert.ok(doc.paths['/user/repos']!.get!.parameters.some((p) => p.name === 'per_page'));
  assert.ok(doc.paths['/repos/{owner}/{repo}/contents/{path}']);
});

test('rate limit headers count each request, and GET /rate_limit does not cost one', async () => {
  const { token } = await userWithToken(server, []);
  const one = await api(server, '/user', { token });
  const two = await api(server, '/user', { token });
  assert.equal(one.headers.get('x-ratelimit-limit'), '100000');
  assert.equal(Number(one.headers.get('x-ratelimit-remaining')) - 1, Number(two.headers.get('x-ratelimit-remaining')));
  assert.equal(two.headers.get('x-ratelimit-used'), '2');
  assert.equal(two.headers.get('x-ratelimit-resource'), 'core');
  const rate = (await (await api(server, '/rate_limit', { token })).json()) as { rate: { used: number } };
  assert.equal(rate.rate.used, 2);
  assert.equal((await api(server, '/rate_limit', { token })).headers.get('x-ratelimit-used'), '2');
  // Git and health endpoints are never counted.
  assert.equal((await fetch(`${server.url}/-/health`)).headers.get('x-ratelimit-limit'), null);
});

test('an exhausted budget answers GitHub\'s 403, and counts are shared between instances through the database', async (t) => {
  const dataDir = makeTempDir();
  const a = await startTestServer({ dataDir, env: { GITGATE_RATE_LIMIT: '4' } });
  const b = await startTestServer({ dataDir, env: { GITGATE_RATE_LIMIT: '4' } });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const user = await createUser(a);
  const { token } = await createToken(a, user);
  for (let i = 0; i < 3; i++) assert.equal((await api(a, '/user', { token })).status, 200);
  await rateLimiterFor(a.services).flush();
  await rateLimiterFor(b.services).flush();
  const fourth = await api(b, '/user', { token });
  assert.equal(fourth.status, 200);
  await rateLimiterFor(b.services).flush();
  // B made one request itself; once it flushed, it counts A's three too, so the budget of 4 is spent.
  const over = await api(b, '/user', { token });
  assert.equal(over.status, 403);
  assert.equal(over.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(((await over.json()) as { message: string }).message, `API rate limit exceeded for user ID ${user.id}.`);

  const anonymous = await startTestServer({ env: { GITGATE_RATE_LIMIT: 'off' } });
  t.after(() => anonymous.close());
  const free = await api(anonymous, '/users');
  assert.equal(free.headers.get('x-ratelimit-limit'), null);
  assert.equal((await api(anonymous, '/rate_limit')).status, 404);
});
