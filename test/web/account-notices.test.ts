import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DAY, HOUR } from '../../src/lib/clock.js';
import { formatDate } from '../../src/views/format.js';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { webClient } from './web-client.js';

/** Plain HTTP + HTML assertions for the token-expiry banner, Settings -> Notifications and the gh scope note. */
let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

/** A fresh signed-in client (moving the clock by weeks outlives a 14-day session). */
async function signedIn(user: { login: string; password: string }) {
  const client = webClient(server);
  const { response } = await client.signIn(user.login, user.password);
  assert.equal(response.status, 303);
  return client;
}

/** The banner's text, tags stripped and entities decoded, or null when the page has none. */
function bannerOf(html: string): string | null {
  const match = /<div[^>]*data-token-expiry-banner[^>]*>([\s\S]*?)<\/div>/.exec(html);
  if (!match) return null;
  return decode(match[1]!.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

test('the expiry banner appears on every signed-in page from 7 days before a token expires until 7 days after, linking to the tokens page', async () => {
  const user = await createUser(server);
  const other = await createUser(server);
  const { id } = await createToken(server, user, { note: 'deploy key', expires: '30' });
  await createToken(server, user, { note: 'forever', expires: 'never' });
  await createToken(server, other, { note: 'not yours', expires: '7' });
  const expiresAt = new Date((await server.services.tokens.get(user, id)).expiresAt!);

  let client = await signedIn(user);
  assert.equal(bannerOf((await client.get('/')).html), null, "30 days left, and another user's 7-day token is not this user's business");
  assert.equal(bannerOf((await (await signedIn(other)).get('/')).html), 'Your personal access token "not yours" expires in 7 days. Regenerate it.');

  server.clock.set(new Date(expiresAt.getTime() - 3 * DAY));
  client = await signedIn(user);
  for (const path of ['/', '/settings/profile', '/settings/tokens', `/${user.login}`, '/no/such/page/at/all']) {
    const { html } = await client.get(path);
    assert.equal(bannerOf(html), 'Your personal access token "deploy key" expires in 3 days. Regenerate it.', path);
    assert.match(html, /data-token-expiry-banner[\s\S]*?<a href="\/settings\/tokens">Regenerate it\.<\/a>/, path);
  }
  assert.equal(bannerOf((await webClient(server).get('/login')).html), null, 'signed out: no banner');

  server.clock.set(new Date(expiresAt.getTime() - 2 * HOUR));
  assert.equal(bannerOf((await client.get('/')).html), 'Your personal access token "deploy key" expires in less than a day. Regenerate it.');

  server.clock.set(new Date(expiresAt.getTime() + 6 * DAY));
  client = await signedIn(user);
  assert.equal(bannerOf((await client.get('/settings/profile')).html), `Your personal access token "deploy key" expired on ${formatDate(expiresAt)}. Regenerate it.`);

  server.clock.set(new Date(expiresAt.getTime() + 8 * DAY));
  assert.equal(bannerOf((await client.get('/settings/profile')).html), null, 'expired more than 7 days ago: no banner');

  server.clock.set(new Date());
});

test('regenerating the token that expires soon makes the banner go away', async () => {
  const user = await createUser(server);
  const { id } = await createToken(server, user, { note: 'ci', expires: '7' });
  const client = await signedIn(user);
  assert.equal(bannerOf((await client.get('/')).html), 'Your personal access token "ci" expires in 7 days. Regenerate it.');
  await server.services.tokens.regenerate(user, id, { kind: 'days', days: 30 }, 'cli');
  assert.equal(bannerOf((await client.get('/')).html), null);
});

test('Settings -> Notifications turns token-expiry emails off and on with a CSRF-protected form', async () => {
  const user = await createUser(server);
  const client = await signedIn(user);
  const profile = await client.get('/settings/profile');
  const nav = /<nav class="menu" aria-label="Settings">([\s\S]*?)<\/nav>/.exec(profile.html)![1]!;
  const entries = [...nav.matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((m) => m[1]);
  assert.deepEqual(entries.slice(-2), ['Notifications', 'Developer settings'], 'Notifications sits just before Developer settings, which stays last');

  const page = await client.get('/settings/notifications');
  assert.equal(page.response.status, 200);
  assert.match(page.html, /<input type="checkbox" name="notify_token_expiry" value="1" checked/, 'on by default');
  assert.match(page.html, /<form action="\/settings\/notifications" method="post">/);
  assert.match(page.html, /<button type="submit" class="btn btn-primary">Save notification settings<\/button>/);
  const _csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

  const findUser = async () => (await server.services.accounts.users.findByLogin(user.login))!;
  const forged = await client.post('/settings/notifications', {});
  assert.equal(forged.response.status, 403, 'no CSRF token: refused');
  assert.equal((await findUser()).notifyTokenExpiry, true);

  // An unchecked box is absent from the form.
  const off = await client.post('/settings/notifications', { _csrf });
  assert.equal(off.response.status, 303);
  assert.equal(off.response.headers.get('location'), '/settings/notifications');
  assert.equal((await findUser()).notifyTokenExpiry, false);
  const shown = await client.get('/settings/notifications');
  assert.match(shown.html, /Notification settings saved\./);
  assert.doesNotMatch(shown.html, /name="notify_token_expiry" value="1" checked/);

  const on = await client.post('/settings/notifications', { _csrf, notify_token_expiry: '1' });
  assert.equal(on.response.status, 303);
  assert.equal((await findUser()).notifyTokenExpiry, true);

  const anonymous = await webClient(server).get('/settings/notifications');
  assert.equal(anonymous.response.status, 303);
  assert.equal(anonymous.response.headers.get('location'), '/login?return_to=%2Fsettings%2Fnotifications');
});

test('the token form notes beside repo and read:org that a token for gh needs both, outside the scope labels', async () => {
  const user = await createUser(server);
  const client = await signedIn(user);
  const { response, html } = await client.get('/settings/tokens/new');
  assert.equal(response.status, 200);
  for (const [scope, description] of [
    ['repo', 'Full control of private repositories'],
    ['read:org', 'Read org and team membership, read org projects'],
  ] as const) {
    const row = new RegExp(`<label class="d-block"><input[^>]*value="${scope}"[^>]*>([\\s\\S]*?)</label>([\\s\\S]*?)</div>`).exec(html);
    assert.ok(row, scope);
    const input = new RegExp(`<input[^>]*value="${scope}"[^>]*>`).exec(html)![0];
    const label = decode(row[1]!.replace(/<[^>]+>/g, '')).replace(/\s+/g, ' ').trim();
    assert.equal(label, `${scope} ${description}`, 'the label is exactly "SCOPE DESCRIPTION"');
    const describedBy = /aria-describedby="([^"]+)"/.exec(input)?.[1];
    assert.ok(describedBy, `${scope} has a description`);
    const note = new RegExp(`<p [^>]*id="${describedBy}"[^>]*>([\\s\\S]*?)</p>`).exec(row[2]!);
    assert.ok(note, `the note follows the ${scope} label`);
    assert.equal(note[1]!.replace(/<[^>]+>/g, ''), 'A token for the GitHub CLI (gh) needs both repo and read:org.');
  }
  assert.equal((html.match(/GitHub CLI/g) ?? []).length, 2, 'only beside those two scopes');
});
