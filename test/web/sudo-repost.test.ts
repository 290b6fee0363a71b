import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR, MINUTE } from '../../src/lib/clock.js';
import { assertNoSecretsInLogs, createToken, createUser, startTestServer } from '../helpers/server.js';
import { webClient } from './web-client.js';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

test('Revoke all after sudo mode lapsed asks for the password, then revokes: no second click', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const user = await createUser(server);
  await createToken(server, user, { note: 'laptop' });
  await createToken(server, user, { note: 'ci' });
  const client = webClient(server);
  assert.equal((await client.signIn(user.login, user.password)).response.status, 303);
  const _csrf = await client.csrfFrom('/settings/tokens');

  server.clock.advance(2 * HOUR + MINUTE);
  const asked = await client.post('/settings/tokens/revoke-all', { _csrf });
  assert.equal(asked.response.status, 200);
  assert.match(asked.html, /Confirm access/);
  assert.match(asked.html, /<form action="\/settings\/tokens\/revoke-all" method="post">/, 'the password goes to the action itself');
  assert.match(asked.html, /name="sudo_password"/);
  assert.equal((await server.services.tokens.list(user)).length, 2, 'nothing is revoked before the password');

  const wrong = await client.post('/settings/tokens/revoke-all', { _csrf: csrfOf(asked.html), sudo_password: 'not my password' });
  assert.equal(wrong.response.status, 401);
  assert.match(wrong.html, /Incorrect password\./);
  assert.doesNotMatch(wrong.html, /not my password/, 'a password is never echoed back');
  assert.equal((await server.services.tokens.list(user)).length, 2);

  const done = await client.post('/settings/tokens/revoke-all', { _csrf: csrfOf(wrong.html), sudo_password: user.password });
  assert.equal(done.response.status, 303);
  assert.equal(done.response.headers.get('location'), '/settings/tokens');
  assert.equal((await server.services.tokens.list(user)).length, 0);
  assert.match((await client.get('/settings/tokens')).html, /Revoked 2 personal access tokens\./);
  assertNoSecretsInLogs(server, [user.password, 'not my password']);
});

test('an administrator action interrupted by sudo mode carries its fields through the password prompt, never a password', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const admin = await createUser(server, { admin: true });
  const client = webClient(server);
  assert.equal((await client.signIn(admin.login, admin.password)).response.status, 303);
  const _csrf = await client.csrfFrom('/admin');

  server.clock.advance(2 * HOUR + MINUTE);
  const newcomer = { login: 'newcomer', email: 'newcomer@example.com', password: 'a fresh initial password' };
  const asked = await client.post('/admin/users', { _csrf, ...newcomer });
  assert.equal(asked.response.status, 200);
  assert.match(asked.html, /<input type="hidden" name="login" value="newcomer"/);
  assert.match(asked.html, /<input type="hidden" name="email" value="newcomer@example.com"/);
  assert.doesNotMatch(asked.html, /a fresh initial password/, 'the typed password is not written into the page');
  assert.equal(await server.services.accounts.users.findByLogin('newcomer'), null);

  // Confirmed: the form comes back without its password, so the administrator is asked for it again
  // with login and email kept; sudo mode has started, so the next submission creates the user.
  const confirmed = await client.post('/admin/users', { _csrf: csrfOf(asked.html), login: 'newcomer', email: 'newcomer@example.com', sudo_password: admin.password });
  assert.equal(confirmed.response.status, 422);
  assert.match(confirmed.html, /value="newcomer"/);
  const created = await client.post('/admin/users', { _csrf: csrfOf(confirmed.html), ...newcomer });
  assert.equal(created.response.status, 303);
  assert.ok(await server.services.accounts.users.findByLogin('newcomer'));

  // An action with nothing to carry (suspend) happens right after the password.
  server.clock.advance(2 * HOUR + MINUTE);
  const suspend = await client.post('/admin/users/newcomer/suspend', { _csrf: csrfOf(confirmed.html) });
  assert.match(suspend.html, /<form action="\/admin\/users\/newcomer\/suspend" method="post">/);
  const suspended = await client.post('/admin/users/newcomer/suspend', { _csrf: csrfOf(suspend.html), sudo_password: admin.password });
  assert.equal(suspended.response.status, 303);
  assert.notEqual((await server.services.accounts.users.findByLogin('newcomer'))!.suspendedAt, null);
  assertNoSecretsInLogs(server, [admin.password, newcomer.password]);
});
