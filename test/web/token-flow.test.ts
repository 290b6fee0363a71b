import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { HOUR, MINUTE } from '../../src/lib/clock.js';
import { assertNoSecretsInLogs, startTestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, watchForScripts } from './browser.js';
import { cloneWithToken, createRepoWithFiles } from './git-fixtures.js';

const ADMIN = { login: 'octo-admin', email: 'admin@example.com', password: 'a long admin password' };

/**
 * One browser, one server, one story: the first administrator is created through the printed
 * setup URL, then follows GitHub's "Creating a personal access token" steps word for word, and
 * uses the token with real git.
 */
test('a person follows GitHub\'s token instructions in Chromium and clones a private repository with the token', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startTestServer();
  t.after(() => server.close());
  const context = await browser.newContext({ baseURL: server.url });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  const problems: string[] = [];
  watchForScripts(page, problems);
  const secrets: string[] = [ADMIN.password];

  await t.test('the printed setup URL creates the first administrator, and only once', async () => {
    assert.ok(server.setupUrl, 'the server printed a setup URL');
    await page.goto(server.setupUrl!);
    await screenshot(page, '01-setup');
    await page.getByLabel('Username').fill(ADMIN.login);
    await page.getByLabel('Email address').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL('**/admin');
    assert.equal(await page.getByRole('heading', { name: 'Site admin' }).count(), 1);
    const again = await fetch(server.setupUrl!);
    assert.equal(again.status, 404, 'a used setup link is dead');
  });

  const admin = (await server.services.accounts.users.findByLogin(ADMIN.login))!;
  await createRepoWithFiles(server, ADMIN.login, 'secret-plans', { 'README.md': '# Secret plans\n\nHello **world**.\n', 'ci.yml': 'steps: [build]\n' });

  await t.test('signing out from the account menu and back in returns to the page asked for', async () => {
    await page.getByRole('button', { name: 'View profile and more' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.goto('/settings/tokens');
    assert.match(page.url(), /\/login\?return_to=%2Fsettings%2Ftokens$/);
    await screenshot(page, '02-login');
    await page.getByLabel('Username or email address').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/settings/tokens');
  });

  let token = '';
  await t.test('Settings -> Developer settings -> Personal access tokens -> Generate new token shows the token once', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: 'View profile and more' }).click();
    const menu = page.getByRole('menu');
    for (const item of ['Your profile', 'Your repositories', 'Settings', 'Sign out']) assert.equal(await menu.getByRole('menuitem', { name: item }).count(), 1, item);
    assert.equal(await menu.getByText(ADMIN.login, { exact: true }).count(), 1);
    await screenshot(page, '03-account-menu');
    await menu.getByRole('menuitem', { name: 'Settings' }).click();
    await page.waitForURL('**/settings/profile');
    const sidebar = page.getByRole('navigation', { name: 'Settings' }).getByRole('link');
    assert.equal(await sidebar.last().textContent(), 'Developer settings');
    await sidebar.last().click();
    await page.getByRole('navigation', { name: 'Developer settings' }).getByRole('link', { name: 'Personal access tokens' }).click();
    await page.waitForURL('**/settings/tokens');
    await page.getByRole('button', { name: 'Generate new token' }).click();
    await page.waitForURL('**/settings/tokens/new**');

    await page.getByLabel('Note').fill('laptop git');
    const expiration = page.getByLabel('Expiration');
    assert.equal(await expiration.inputValue(), '30', '30 days is the default');
    assert.deepEqual(await expiration.locator('option').allTextContents(), ['7 days', '30 days', '60 days', '90 days', 'Custom...', 'No expiration']);
    assert.match(await page.locator('#expiration-help').textContent() ?? '', /^The token will expire on \w{3}, \w{3} \d{1,2} \d{4}$/);
    assert.equal(await page.locator('input[type=date]').isVisible(), false, 'the date input waits for Custom...');
    await expiration.selectOption({ label: 'Custom...' });
    assert.equal(await page.locator('input[type=date]').isVisible(), true, 'Custom... reveals a native date input');
    await expiration.selectOption({ label: 'No expiration' });
    assert.match(await page.getByText(/strongly recommends that you set an expiration date/).textContent() ?? '', /expiration date/);
    await expiration.selectOption({ label: '7 days' });

    const repo = page.getByLabel('repo Full control of private repositories', { exact: true });
    const publicRepo = page.getByLabel('public_repo Access public repositories', { exact: true });
    // gh needs repo + read:org: the note is the checkbox's description, outside its label (issue 17).
    const ghNote = page.locator(`[id="${await repo.getAttribute('aria-describedby')}"]`);
    assert.match((await ghNote.textContent()) ?? '', /GitHub CLI \(gh\) needs both repo and read:org/);
    await repo.check();
    assert.equal(await publicRepo.isChecked(), true, 'checking a parent checks its children');
    assert.equal(await publicRepo.isDisabled(), true, 'and disables them');
    await screenshot(page, '04-new-token-form');
    await page.getByRole('button', { name: 'Generate token' }).click();
    await page.waitForURL('**/settings/tokens');

    await page.getByText("Make sure to copy your personal access token now. You won't be able to see it again!").waitFor();
    token = (await page.locator('code#new-token').textContent())?.trim() ?? '';
    assert.match(token, /^ggp_[A-Za-z0-9]{30,}$/);
    secrets.push(token);
    await screenshot(page, '05-token-created');

    await page.getByRole('button', { name: 'Copy token' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token, 'the copy button put the token on the clipboard');

    const row = page.locator('li[data-token-id]').filter({ hasText: 'laptop git' });
    assert.match(await row.textContent() ?? '', /repo/);
    assert.match(await row.textContent() ?? '', /Expires on/);
    assert.match(await row.textContent() ?? '', /Never used/);
    const banner = page.locator('[data-token-expiry-banner]');
    assert.match((await banner.textContent()) ?? '', /Your personal access token "laptop git" expires in 7 days\. Regenerate it\./, 'a 7-day token is already near expiry');
    assert.equal(await banner.getByRole('link', { name: 'Regenerate it.' }).getAttribute('href'), '/settings/tokens');

    await page.reload();
    assert.equal(await page.getByText(token).count(), 0, 'reloading never shows the token again');
    assert.equal(await page.locator('code#new-token').count(), 0);
  });

  await t.test('the generated token clones the private repository with real git', async (st) => {
    const clone = await cloneWithToken(`${server.url}/${ADMIN.login}/secret-plans.git`, ADMIN.login, token);
    st.after(() => fs.rmSync(clone.root, { recursive: true, force: true }));
    assert.ok(clone.ok, clone.output);
    assert.equal(fs.readFileSync(path.join(clone.dir, 'ci.yml'), 'utf8'), 'steps: [build]\n');
  });

  await t.test('the token fetches a raw file the way CI scripts do', async () => {
    const url = `${server.url}/${ADMIN.login}/secret-plans/raw/main/ci.yml`;
    const withToken = await fetch(url, { headers: { Authorization: `token ${token}` } });
    assert.equal(withToken.status, 200);
    assert.equal(await withToken.text(), 'steps: [build]\n');
    assert.match(withToken.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(withToken.headers.get('x-content-type-options'), 'nosniff');
    assert.match(withToken.headers.get('content-security-policy') ?? '', /^sandbox/);
    assert.equal((await fetch(url)).status, 404, 'anonymous readers do not learn that it exists');
  });

  await t.test('the repository page shows the files, the rendered README and the clone URL', async () => {
    await page.goto(`/${ADMIN.login}/secret-plans`);
    assert.equal(await page.getByRole('link', { name: 'ci.yml' }).count(), 1);
    assert.equal(await page.locator('.markdown-body strong').textContent(), 'world');
    assert.equal(await page.locator('#clone-url').inputValue(), `${server.config.baseUrl}/${ADMIN.login}/secret-plans.git`);
    assert.equal(await page.getByText('Private', { exact: true }).count(), 1);
    await screenshot(page, '06-repository');
  });

  await t.test('the note and scopes are edited on the token page', async () => {
    await page.goto('/settings/tokens');
    await page.getByRole('link', { name: 'laptop git' }).click();
    await page.getByLabel('Note').fill('laptop git and profile');
    await page.getByLabel('user Update ALL user data', { exact: true }).check();
    await page.getByRole('button', { name: 'Update token' }).click();
    await page.getByText('Token updated.').waitFor();
    const info = (await server.services.tokens.list(admin))[0]!;
    assert.equal(info.note, 'laptop git and profile');
    assert.deepEqual(info.scopes, ['repo', 'user']);
    await screenshot(page, '07-token-edit');
  });

  let regenerated = '';
  await t.test('regenerating gives a new secret, shown once, and kills the old one', async () => {
    await page.goto('/settings/tokens');
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.getByLabel('Expiration').selectOption({ label: '90 days' });
    await page.getByRole('button', { name: 'Regenerate token' }).click();
    await page.waitForURL('**/settings/tokens');
    regenerated = (await page.locator('code#new-token').textContent())?.trim() ?? '';
    secrets.push(regenerated);
    assert.match(regenerated, /^ggp_/);
    assert.notEqual(regenerated, token);
    const raw = `${server.url}/${ADMIN.login}/secret-plans/raw/main/ci.yml`;
    assert.equal((await fetch(raw, { headers: { Authorization: `token ${token}` } })).status, 401);
    assert.equal((await fetch(raw, { headers: { Authorization: `Bearer ${regenerated}` } })).status, 200);
  });

  await t.test('sudo mode expires after 2 hours and "Confirm access" returns to the form', async () => {
    server.clock.advance(2 * HOUR + MINUTE);
    await page.goto('/settings/tokens/new');
    assert.equal(await page.getByRole('heading', { name: 'Confirm access' }).count(), 1);
    await screenshot(page, '08-confirm-access');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Incorrect password.').waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/settings/tokens/new');
    await page.getByLabel('Note').fill('expired while typing');
    await page.getByLabel('delete_repo Delete repositories', { exact: true }).check();

    server.clock.advance(2 * HOUR + MINUTE);
    await page.getByRole('button', { name: 'Generate token' }).click();
    await page.getByText(/Sudo mode has expired/).waitFor();
    assert.equal(await page.getByLabel('Note').inputValue(), 'expired while typing', 'the input is kept');
    assert.equal(await page.getByLabel('delete_repo Delete repositories', { exact: true }).isChecked(), true);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Generate token' }).click();
    await page.waitForURL('**/settings/tokens');
    const fresh = (await page.locator('code#new-token').textContent())?.trim() ?? '';
    secrets.push(fresh);
    assert.match(fresh, /^ggp_/);
  });

  await t.test('invalid input re-renders the form with the input and a message next to the field', async () => {
    await page.goto('/settings/tokens/new');
    await page.getByLabel('Note').fill('expired while typing');
    await page.getByRole('button', { name: 'Generate token' }).click();
    assert.match(await page.locator('#token-note-error').textContent() ?? '', /already been taken/);
    await page.getByLabel('Note').fill('too far');
    await page.getByLabel('Expiration').selectOption({ label: 'Custom...' });
    await page.locator('input[type=date]').fill(`${server.clock.now().getUTCFullYear() + 3}-01-01`);
    await page.getByRole('button', { name: 'Generate token' }).click();
    assert.match(await page.locator('#token-expiration-error').textContent() ?? '', /at most 366 days ahead/);
    assert.equal(await page.getByLabel('Note').inputValue(), 'too far');
    assert.equal(await page.getByLabel('Expiration').inputValue(), 'custom');
  });

  await t.test('a token is deleted after confirmation, and Revoke all deletes the rest', async () => {
    await page.goto('/settings/tokens');
    const row = page.locator('li[data-token-id]').filter({ hasText: 'laptop git and profile' });
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'I understand, delete this token' }).click();
    await page.getByText('Deleted the token "laptop git and profile".').waitFor();
    const raw = `${server.url}/${ADMIN.login}/secret-plans/raw/main/ci.yml`;
    assert.equal((await fetch(raw, { headers: { Authorization: `token ${regenerated}` } })).status, 401);
    assert.equal(await page.locator('li[data-token-id]').count(), 1);
    await page.getByRole('button', { name: 'Revoke all' }).click();
    await page.getByRole('button', { name: 'I understand, revoke all tokens' }).click();
    await page.getByText('You have no personal access tokens.').waitFor();
    assert.equal((await server.services.tokens.list(admin)).length, 0);
  });

  await t.test('the security log lists sign-ins and token events', async () => {
    await page.goto('/settings/security-log');
    for (const action of ['user.login', 'user.login_failure', 'token.create', 'token.regenerate', 'token.delete']) {
      assert.ok((await page.locator(`tr[data-action="${action}"]`).count()) > 0, action);
    }
    await screenshot(page, '09-security-log');
  });

  assert.deepEqual(problems, []);
  assertNoSecretsInLogs(server, secrets);
});
