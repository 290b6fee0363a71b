import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR, MINUTE } from '../../src/lib/clock.js';
import { assertNoSecretsInLogs, createToken, createUser, startTestServer } from '../helpers/server.js';
import { webClient } from './web-client.js';

test('an edit submitted after sudo mode lapsed keeps the note and scopes through the password prompt, then saves them', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const user = await createUser(server);
  const { id, token } = await createToken(server, user, { note: 'old note', scopes: ['repo'] });
  const client = webClient(server);
  assert.equal((await client.signIn(user.login, user.password)).response.status, 303);
  const _csrf = await client.csrfFrom(`/settings/tokens/${id}`);

  // The page was left open past the 2 hours of sudo mode; then the edit is submitted.
  server.clock.advance(2 * HOUR + MINUTE);
  const edits = { note: 'new note', scopes: 'read:org' };
  const asked = await client.post(`/settings/tokens/${id}`, { _csrf, ...edits });
  assert.equal(asked.response.status, 403);
  assert.match(asked.html, /Sudo mode has expired/);
  assert.match(asked.html, /name="sudo_password"/);
  assert.match(asked.html, /value="new note"/, 'the typed note is kept');
  assert.match(asked.html, /value="read:org"[^>]*checked/, 'the ticked scope is kept');
  assert.doesNotMatch(asked.html, /value="repo"[^>]*checked/, 'the unticked scope stays unticked');
  assert.deepEqual(await noteAndScopes(), ['old note', ['repo']], 'nothing is saved before the password');

  const again = /name="_csrf" value="([^"]+)"/.exec(asked.html)![1]!;
  const wrong = await client.post(`/settings/tokens/${id}`, { _csrf: again, ...edits, sudo_password: 'not my password' });
  assert.equal(wrong.response.status, 401);
  assert.match(wrong.html, /Incorrect password\./);
  assert.match(wrong.html, /value="new note"/);
  assert.doesNotMatch(wrong.html, /not my password/, 'a password is never echoed back');
  assert.deepEqual(await noteAndScopes(), ['old note', ['repo']]);

  const saved = await client.post(`/settings/tokens/${id}`, { _csrf: again, ...edits, sudo_password: user.password });
  assert.equal(saved.response.status, 303);
  assert.equal(saved.response.headers.get('location'), `/settings/tokens/${id}`);
  assert.deepEqual(await noteAndScopes(), ['new note', ['read:org']]);
  assert.match((await client.get(`/settings/tokens/${id}`)).html, /Token updated\./);

  // Sudo mode started again with the password: the next edit needs none.
  const next = await client.post(`/settings/tokens/${id}`, { _csrf: again, note: 'newer note', scopes: 'read:org' });
  assert.equal(next.response.status, 303);
  assert.deepEqual(await noteAndScopes(), ['newer note', ['read:org']]);
  assertNoSecretsInLogs(server, [user.password, 'not my password', token]);

  async function noteAndScopes() {
    const info = await server.services.tokens.get(user, id);
    return [info.note, [...info.scopes]];
  }
});
