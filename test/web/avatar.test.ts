import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createToken, createUser, startTestServer } from '../helpers/server.js';

test('the avatar_url the API hands out serves the account identicon, and unknown ids are 404', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const user = await createUser(server);
  const { token } = await createToken(server, user);
  const me = await (await fetch(`${server.url}/api/v3/user`, { headers: { authorization: `token ${token}` } })).json();
  const avatar = await fetch(me.avatar_url);
  assert.equal(avatar.status, 200);
  assert.equal(avatar.headers.get('content-type'), 'image/svg+xml');
  assert.match(await avatar.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((await fetch(`${server.url}/avatars/u/999999`)).status, 404);
  assert.equal((await fetch(`${server.url}/avatars/u/abc`)).status, 404);
});
