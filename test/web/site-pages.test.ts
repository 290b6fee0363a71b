import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser, startTestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, watchForScripts } from './browser.js';

const XSS = `<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>`;

test('the rest of the site works in Chromium and every hostile string renders as inert text', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startTestServer();
  t.after(() => server.close());
  const admin = await createUser(server, { login: 'site-admin', admin: true });
  const context = await browser.newContext({ baseURL: server.url });
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  const problems: string[] = [];
  watchForScripts(page, problems);
  const noScriptRan = async () => assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);

  await page.goto('/login');
  await page.getByLabel('Username or email address').fill(admin.login);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/`);

  await t.test('a site administrator creates an account in /admin', async () => {
    await page.goto('/admin');
    await page.getByLabel('Username').fill('mona');
    await page.getByLabel('Email address').fill('mona@example.com');
    await page.getByLabel('Password').fill('mona password 123');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Created the user mona.').waitFor();
    assert.ok(await server.services.accounts.users.findByLogin('mona'));
    await screenshot(page, '20-admin-users');
  });

  await t.test('a hostile token note is shown as text', async () => {
    await page.goto('/settings/tokens/new');
    await page.getByLabel('Note').fill(XSS);
    await page.getByRole('button', { name: 'Generate token' }).click();
    await page.waitForURL('**/settings/tokens');
    assert.equal(await page.getByRole('link', { name: XSS }).count(), 1);
    await page.goto('/admin/tokens');
    assert.equal(await page.getByText(XSS).count(), 1);
    await noScriptRan();
  });

  await t.test('a hostile repository name is refused and echoed inertly; a hostile description is text', async () => {
    await page.goto('/new');
    await page.getByLabel('Repository name').fill(XSS);
    await page.getByRole('button', { name: 'Create repository' }).click();
    assert.match(await page.locator('#field-name-error').textContent() ?? '', /may contain only/);
    assert.equal(await page.getByLabel('Repository name').inputValue(), XSS);
    await noScriptRan();
    await page.getByLabel('Repository name').fill('empty-one');
    await page.getByLabel('Description (optional)').fill(XSS);
    await page.getByLabel('Private').check();
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.waitForURL('**/site-admin/empty-one');
    assert.equal(await page.locator('[data-repo-description]').textContent(), XSS);
    assert.match(await page.locator('[data-empty-repo]').textContent() ?? '', new RegExp(`git remote add origin ${server.config.baseUrl}/site-admin/empty-one.git`));
    await screenshot(page, '21-empty-repository');
    await page.goto('/site-admin');
    assert.equal(await page.getByText(XSS).count(), 1);
    await noScriptRan();
  });

  await t.test('repository settings add a collaborator and delete after typing the name', async () => {
    await page.goto('/site-admin/empty-one/settings');
    await page.getByLabel('Username').fill('mona');
    await page.getByRole('button', { name: 'Add collaborator' }).click();
    await page.getByText('Collaborator added.').waitFor();
    await screenshot(page, '22-repository-settings');
    await page.getByLabel('Repository name to confirm').fill('wrong');
    await page.getByRole('button', { name: 'Delete this repository' }).click();
    assert.match(await page.locator('#field-confirm-error').textContent() ?? '', /Type site-admin\/empty-one/);
    await page.getByLabel('Repository name to confirm').fill('site-admin/empty-one');
    await page.getByRole('button', { name: 'Delete this repository' }).click();
    await page.getByText('Deleted site-admin/empty-one.').waitFor();
    assert.equal(await server.services.repos.store.findByName('site-admin', 'empty-one'), null);
  });

  await t.test('an organization is created and an owner adds a member', async () => {
    await page.goto('/organizations/new');
    await page.getByLabel('Organization name').fill('octo-org');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL('**/octo-org');
    await page.getByLabel('Username').fill('mona');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.waitForURL('**/octo-org');
    assert.equal(await page.getByRole('list', { name: 'Members' }).getByRole('link', { name: 'mona' }).count(), 1);
    await screenshot(page, '23-organization');
  });

  await t.test('the dashboard lists the organizations and the profile and password pages exist', async () => {
    await page.goto('/');
    assert.equal(await page.getByRole('list', { name: 'Organizations' }).getByRole('link', { name: 'octo-org' }).count(), 1);
    await page.goto('/settings/profile');
    await page.getByLabel('Name').fill('Site Admin');
    await page.getByRole('button', { name: 'Update profile' }).click();
    await page.getByText('Profile updated successfully.').waitFor();
    await page.goto('/settings/password');
    assert.equal(await page.getByLabel('Old password').count(), 1);
    await screenshot(page, '24-dashboard-settings');
  });

  assert.deepEqual(problems, []);
});
