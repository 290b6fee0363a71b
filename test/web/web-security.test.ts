import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { createRepoWithFiles } from './git-fixtures.js';
import { webClient } from './web-client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { GITGATE_AUTH_THROTTLE: '3/5m' } });
});
after(() => server.close());

test('a form posted without its CSRF token is refused with a "form expired" page, not a redirect', async () => {
  const user = await createUser(server);
  const client = webClient(server);
  assert.equal((await client.signIn(user.login, user.password)).response.status, 303);
  const missing = await client.post('/settings/tokens', { note: 'no csrf', expiration: '30' });
  assert.equal(missing.response.status, 403);
  assert.match(missing.html, /This form has expired/);
  const wrong = await client.post('/settings/tokens', { _csrf: 'forged', note: 'bad csrf', expiration: '30' });
  assert.equal(wrong.response.status, 403);
  assert.equal((await server.services.tokens.list(user)).length, 0);
});

test('return_to never leaves the site', async () => {
  const user = await createUser(server);
  for (const evil of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
    const client = webClient(server);
    const { response } = await client.signIn(user.login, user.password, evil);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/', evil);
  }
  const client = webClient(server);
  const { response } = await client.signIn(user.login, user.password, '/settings/tokens');
  assert.equal(response.headers.get('location'), '/settings/tokens');
});

test('the session cookie is HttpOnly and SameSite=Lax, and pages forbid inline script', async () => {
  const user = await createUser(server);
  const client = webClient(server);
  const { response } = await client.signIn(user.login, user.password);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('gitgate_session='))!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.doesNotMatch(cookie, /Secure/, 'plain http base URL');
  const page = await client.get('/settings/profile');
  const csp = page.response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline/);
});

test('sign-in failures are throttled: the POST itself answers 429 with the form and the wait', async () => {
  const user = await createUser(server);
  const client = webClient(server);
  for (let i = 0; i < 3; i++) {
    const { response } = await client.signIn(user.login, 'wrong password');
    assert.ok(response.status === 401 || response.status === 429, String(response.status));
  }
  const blocked = await client.signIn(user.login, user.password);
  assert.equal(blocked.response.status, 429);
  assert.match(blocked.html, /Try again in \d+ (seconds|minutes?)/);
  assert.match(blocked.html, /Username or email address/);
  assert.ok(Number(blocked.response.headers.get('retry-after')) > 0);
});

test('suspending a user ends their sessions at once', async () => {
  const user = await createUser(server);
  const client = webClient(server);
  await client.signIn(user.login, user.password);
  assert.equal((await client.get('/settings/profile')).response.status, 200);
  await server.services.accounts.suspend(user.login, 'cli');
  const after = await client.get('/settings/profile');
  assert.equal(after.response.status, 303);
  assert.equal(after.response.headers.get('location'), '/login?return_to=%2Fsettings%2Fprofile');
});

test('raw files are bytes that never render as HTML, and bad tokens are refused', async () => {
  const user = await createUser(server);
  await createRepoWithFiles(server, user.login, 'raw-demo', { 'page.html': '<script>alert(1)</script>', 'bin.dat': 'a\0b' });
  const { token } = await createToken(server, user, { scopes: ['repo'] });
  const base = `${server.url}/${user.login}/raw-demo/raw/main`;
  const html = await fetch(`${base}/page.html`, { headers: { Authorization: `token ${token}` } });
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.match(html.headers.get('content-security-policy') ?? '', /^sandbox/);
  const bin = await fetch(`${base}/bin.dat`, { headers: { Authorization: `Basic ${Buffer.from(`${user.login}:${token}`).toString('base64')}` } });
  assert.equal(bin.headers.get('content-type'), 'application/octet-stream');
  assert.equal(Buffer.from(await bin.arrayBuffer()).toString('latin1'), 'a\0b');
  const bad = await fetch(`${base}/page.html`, { headers: { Authorization: 'token ggp_notarealtoken' } });
  assert.equal(bad.status, 401);
  const noScope = await createToken(server, user, { scopes: [] });
  assert.equal((await fetch(`${base}/page.html`, { headers: { Authorization: `token ${noScope.token}` } })).status, 404);
  assert.equal((await fetch(`${base}/missing.txt`, { headers: { Authorization: `token ${token}` } })).status, 404);
});

test('sign-up is closed unless GITGATE_OPEN_SIGNUP=true', async () => {
  const client = webClient(server);
  const page = await client.get('/signup');
  assert.match(page.html, /Sign-up is closed/);
  const _csrf = await client.csrfFrom('/login');
  const attempt = await client.post('/signup', { _csrf, login: 'newcomer', email: 'n@example.com', password: 'long enough password' });
  assert.equal(attempt.response.status, 403);
  assert.equal(await server.services.accounts.users.findByLogin('newcomer'), null);
});
