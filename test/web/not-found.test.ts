import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { webClient } from './web-client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

/** The log lines that mention a path: they must carry neither the query string nor its value. */
function logLinesFor(path: string): string[] {
  return server.logs.filter((line) => line.includes(path));
}

test('an unknown URL gets the HTML 404 page in the site layout, and its log lines carry no query string', async () => {
  const path = '/no/such/page/anywhere';
  const secret = 'ggp_querystringsecret0123456789';
  const response = await fetch(`${server.url}${path}?access_token=${secret}`);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/, 'the web pages\' security headers');
  const html = await response.text();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>Page not found · Gitgate<\/title>/);
  assert.match(html, /<header class="Header">/, 'the layout');
  assert.match(html, /<a class="Header-link" href="\/login">/, 'signed out: a sign-in link');
  assert.ok(!html.includes(secret), 'the query string is not echoed');

  const lines = logLinesFor(path);
  assert.ok(lines.length > 0, 'the request was logged');
  for (const line of lines) {
    assert.ok(!line.includes('?'), line);
    assert.ok(!line.includes(secret), line);
  }
});

test('a signed-in visitor sees their account menu on the 404 page, and a form posted to an unknown URL gets a 404 too', async () => {
  const user = await createUser(server);
  const client = webClient(server);
  await client.signIn(user.login, user.password);
  const page = await client.get('/no/such/page/for/members');
  assert.equal(page.response.status, 404);
  assert.match(page.html, /aria-label="View profile and more"/);
  assert.match(page.html, /Page not found/);
  const posted = await client.post('/no/such/form/target/here', { anything: 'x' });
  assert.equal(posted.response.status, 404, 'a 404 changes nothing, so no CSRF refusal first');
  assert.match(posted.response.headers.get('content-type') ?? '', /^text\/html/);
});

test('unknown API URLs still answer GitHub JSON and unknown Git URLs plain text, without query strings in logs', async () => {
  const api = await fetch(`${server.url}/api/v3/no-such-endpoint?secret=api-query-secret`);
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(((await api.json()) as { message: string }).message, 'Not Found');

  const git = await fetch(`${server.url}/someone/something.git/HEAD?secret=git-query-secret`);
  assert.equal(git.status, 404);
  assert.equal(git.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await git.text(), 'Not Found\n');

  const dumb = await fetch(`${server.url}/someone/something/objects/info/packs/extra`, { headers: { 'user-agent': 'git/2.39.5' } });
  assert.equal(dumb.status, 404);
  assert.equal(dumb.headers.get('content-type'), 'text/plain; charset=utf-8', 'git itself never gets a web page');

  for (const secret of ['api-query-secret', 'git-query-secret']) assert.ok(!server.logs.some((line) => line.includes(secret)), secret);
});
