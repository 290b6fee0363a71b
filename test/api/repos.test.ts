import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { api, octokitFor, type RequestError, userWithToken } from './support.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

async function rejectsWith(promise: Promise<unknown>, status: number, message: string | RegExp) {
  await assert.rejects(promise, (error: RequestError) => {
    assert.equal((error as Error).name, 'HttpError', `expected Octokit's RequestError, got ${String(error)}`);
    assert.equal(error.status, status);
    const body = error.response?.data as { message: string; documentation_url: string };
    if (typeof message === 'string') assert.equal(body.message, message);
    else assert.match(body.message, message);
    assert.ok(body.documentation_url);
    return true;
  });
}

test('the authenticated user sees their private profile with read:user, and a public one without it', async () => {
  const { user, octokit } = await userWithToken(server, ['user']);
  const me = await octokit.rest.users.getAuthenticated();
  assert.equal(me.data.login, user.login);
  assert.equal(me.data.email, user.email);
  assert.equal((me.data as { two_factor_authentication?: boolean }).two_factor_authentication, false);
  assert.equal(me.headers['x-oauth-scopes'], 'user');

  const bare = await userWithToken(server, []);
  const publicMe = await bare.octokit.rest.users.getAuthenticated();
  assert.equal(publicMe.data.login, bare.user.login);
  assert.equal(publicMe.data.email, null);
});

test('GET /user, answered from memory between changes, shows each change at once: name, repositories, scopes', async () => {
  const { user, token, octokit } = await userWithToken(server, ['user', 'repo']);
  const first = await octokit.rest.users.getAuthenticated();
  assert.equal((await octokit.rest.users.getAuthenticated()).headers.etag, first.headers.etag, 'the same answer, the same tag');
  const unchanged = await api(server, '/user', { token, headers: { 'If-None-Match': String(first.headers.etag) } });
  assert.equal(unchanged.status, 304);

  await octokit.rest.users.updateAuthenticated({ name: 'Grace Hopper' });
  const renamed = await octokit.rest.users.getAuthenticated();
  assert.equal(renamed.data.name, 'Grace Hopper');
  assert.notEqual(renamed.headers.etag, first.headers.etag);

  await octokit.rest.repos.createForAuthenticatedUser({ name: 'counted' });
  await octokit.rest.repos.createForAuthenticatedUser({ name: 'counted-privately', private: true });
  const counted = await octokit.rest.users.getAuthenticated();
  assert.equal(counted.data.public_repos, first.data.public_repos + 1);
  assert.equal((counted.data as { total_private_repos?: number }).total_private_repos, 1);

  const { token: bare } = await createToken(server, user, { scopes: [] });
  const publicView = await octokitFor(server, bare).rest.users.getAuthenticated();
  assert.equal(publicView.data.email, null, 'the same user through a token without read:user');
  assert.equal((await octokit.rest.users.getAuthenticated()).data.email, user.email);
});

test('PATCH /user changes the name with the user scope and names the scope when it is missing', async () => {
  const { octokit } = await userWithToken(server, ['user']);
  const updated = await octokit.rest.users.updateAuthenticated({ name: 'Ada Lovelace' });
  assert.equal(updated.data.name, 'Ada Lovelace');

  const { octokit: weak } = await userWithToken(server, ['repo']);
  await rejectsWith(weak.rest.users.updateAuthenticated({ name: 'x' }), 403, /'user'/);
  const emails = await octokit.rest.users.listEmailsForAuthenticatedUser();
  assert.equal(emails.data[0]!.primary, true);
});

test('users are listed page by page and fetched by name', async () => {
  for (let i = 0; i < 4; i++) await createUser(server);
  const { octokit, user } = await userWithToken(server, []);
  const all = await octokit.paginate(octokit.rest.users.list, { per_page: 2 });
  assert.ok(all.length >= 5);
  assert.equal(new Set(all.map((u) => u.id)).size, all.length, 'no user appears twice');
  const one = await octokit.rest.users.getByUsername({ username: user.login });
  assert.equal(one.data.id, user.id);
  await rejectsWith(octokit.rest.users.getByUsername({ username: 'nobody-here' }), 404, 'Not Found');
});

test('a repository is created, listed, fetched, updated and deleted through Octokit', async () => {
  const { user, octokit } = await userWithToken(server, ['repo', 'delete_repo']);
  const created = await octokit.rest.repos.createForAuthenticatedUser({ name: 'life-cycle', description: 'first', private: true });
  assert.equal(created.status, 201);
  assert.equal(created.data.full_name, `${user.login}/life-cycle`);
  assert.equal(created.data.private, true);
  assert.equal(created.data.homepage, null);
  assert.equal(created.data.pushed_at, created.data.created_at);

  const listed = await octokit.rest.repos.listForAuthenticatedUser({ visibility: 'private' });
  assert.deepEqual(listed.data.map((r) => r.name), ['life-cycle']);

  const got = await octokit.rest.repos.get({ owner: user.login, repo: 'life-cycle' });
  assert.deepEqual(got.data.permissions, { admin: true, maintain: true, push: true, triage: true, pull: true });

  const updated = await octokit.rest.repos.update({ owner: user.login, repo: 'life-cycle', name: 'renamed', description: 'second', private: false });
  assert.equal(updated.data.name, 'renamed');
  assert.equal(updated.data.description, 'second');
  assert.equal(updated.data.visibility, 'public');

  const deleted = await octokit.rest.repos.delete({ owner: user.login, repo: 'renamed' });
  assert.equal(deleted.status, 204);
  await rejectsWith(octokit.rest.repos.get({ owner: user.login, repo: 'renamed' }), 404, 'Not Found');
});

test('octokit.paginate walks every page of a user\'s repositories through the Link header', async () => {
  const { user, octokit } = await userWithToken(server, ['repo']);
  for (let i = 0; i < 5; i++) await server.services.repos.create(SYSTEM, user.login, { name: `paged-${i}` });
  const first = await octokit.rest.repos.listForUser({ username: user.login, per_page: 2 });
  assert.match(first.headers.link ?? '', /rel="next".*rel="last"/);
  const all = await octokit.paginate(octokit.rest.repos.listForUser, { username: user.login, per_page: 2 });
  assert.deepEqual(all.map((r) => r.name), ['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
});

test('each error class reaches Octokit as a RequestError with GitHub\'s status and message', async () => {
  const { user, octokit } = await userWithToken(server, ['public_repo']);
  const anonymous = octokitFor(server);
  await rejectsWith(anonymous.rest.users.getAuthenticated(), 401, 'Requires authentication');
  await rejectsWith(octokitFor(server, 'ggp_000000000000000000000000000000000000').rest.repos.listForAuthenticatedUser(), 401, 'Bad credentials');

  const other = await createUser(server);
  await server.services.repos.create(SYSTEM, other.login, { name: 'hidden', private: true });
  await rejectsWith(octokit.rest.repos.get({ owner: other.login, repo: 'hidden' }), 404, 'Not Found');

  // Visible, but the token lacks the scope: 403 naming it, with the accepted scopes in a header.
  await server.services.repos.create(SYSTEM, user.login, { name: 'keep' });
  await assert.rejects(octokit.rest.repos.delete({ owner: user.login, repo: 'keep' }), (error: RequestError) => {
    assert.equal(error.status, 403);
    assert.match((error.response!.data as { message: string }).message, /'delete_repo'/);
    assert.equal(error.response?.headers['x-accepted-oauth-scopes'], 'delete_repo');
    return true;
  });
  // Private repositories need `repo`: creating one with public_repo only is refused.
  await rejectsWith(octokit.rest.repos.createForAuthenticatedUser({ name: 'secret', private: true }), 403, /'repo'/);

  await rejectsWith(octokit.rest.repos.createForAuthenticatedUser({ name: 'keep' }), 422, 'Validation Failed');
  await assert.rejects(octokit.rest.repos.createForAuthenticatedUser({ name: 'bad name!' }), (error: RequestError) => {
    assert.equal(error.status, 422);
    const body = error.response?.data as { errors: { resource: string; field: string; code: string }[] };
    assert.deepEqual({ ...body.errors[0]!, message: undefined }, { resource: 'Repository', field: 'name', code: 'invalid', message: undefined });
    return true;
  });
});

test('a body that is not JSON is 400 Problems parsing JSON, and a missing field is 422 missing_field', async () => {
  const { token } = await userWithToken(server, ['repo']);
  const broken = await api(server, '/user/repos', { method: 'POST', token, headers: { 'Content-Type': 'application/json' }, body: '{"name": ' });
  assert.equal(broken.status, 400);
  assert.equal(((await broken.json()) as { message: string }).message, 'Problems parsing JSON');

  const missing = await api(server, '/user/repos', { method: 'POST', token, headers: { 'Content-Type': 'application/json' }, body: '{"description":"x"}' });
  assert.equal(missing.status, 422);
  const body = (await missing.json()) as { message: string; errors: { resource: string; field: string; code: string }[] };
  assert.equal(body.message, 'Validation Failed');
  assert.deepEqual(
    body.errors.map((e) => [e.resource, e.field, e.code]),
    [['Repository', 'name', 'missing_field']],
  );
});

test('auto_init creates a first commit with a README on the default branch', async () => {
  const { user, octokit } = await userWithToken(server, ['repo']);
  await octokit.rest.repos.createForAuthenticatedUser({ name: 'started', auto_init: true, description: 'Hello there' });
  const readme = await octokit.rest.repos.getReadme({ owner: user.login, repo: 'started' });
  assert.equal(Buffer.from(readme.data.content, 'base64').toString('utf8'), '# started\n\nHello there\n');
  const branches = await octokit.rest.repos.listBranches({ owner: user.login, repo: 'started' });
  assert.deepEqual(branches.data.map((b) => b.name), ['main']);
});

test('organization repositories are created by members and listed for anyone', async () => {
  const { user, octokit } = await userWithToken(server, ['repo', 'admin:org']);
  const org = await server.services.orgs.create(SYSTEM, `org${process.pid}r`, user);
  const created = await octokit.rest.repos.createInOrg({ org: org.login, name: 'shared' });
  assert.equal(created.data.owner.type, 'Organization');
  assert.equal((created.data as { organization?: { login: string } }).organization?.login, org.login);
  const listed = await octokitFor(server).rest.repos.listForOrg({ org: org.login });
  assert.deepEqual(listed.data.map((r) => r.name), ['shared']);

  const outsider = await userWithToken(server, ['repo']);
  await rejectsWith(outsider.octokit.rest.repos.createInOrg({ org: org.login, name: 'intruder' }), 403, /Must have/);
  const token = (await createToken(server, user, { scopes: ['repo'] })).token;
  const mine = await octokitFor(server, token).rest.repos.listForAuthenticatedUser({ affiliation: 'organization_member' });
  assert.deepEqual(mine.data.map((r) => r.full_name), [`${org.login}/shared`]);
});
