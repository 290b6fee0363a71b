import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { api, type RequestError, userWithToken } from './support.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

test('a collaborator is added at once, listed with permissions, reported, and removed', async () => {
  const { user, octokit } = await userWithToken(server, ['repo']);
  const friend = await createUser(server);
  await server.services.repos.create(SYSTEM, user.login, { name: 'team', private: true });

  const put = await octokit.rest.repos.addCollaborator({ owner: user.login, repo: 'team', username: friend.login, permission: 'push' });
  assert.equal(put.status, 204);
  const list = await octokit.rest.repos.listCollaborators({ owner: user.login, repo: 'team' });
  assert.deepEqual(list.data.map((c) => [c.login, c.permissions?.push, c.permissions?.admin]), [
    [user.login, true, true],
    [friend.login, true, false],
  ]);
  const permission = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: user.login, repo: 'team', username: friend.login });
  assert.equal(permission.data.permission, 'write');

  await octokit.rest.repos.removeCollaborator({ owner: user.login, repo: 'team', username: friend.login });
  const after = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: user.login, repo: 'team', username: friend.login });
  assert.equal(after.data.permission, 'none');
});

test('organization memberships use GitHub role names and need admin:org', async () => {
  const { user, octokit } = await userWithToken(server, ['admin:org']);
  const org = await server.services.orgs.create(SYSTEM, `people${process.pid}`, user);
  const newcomer = await createUser(server);

  const added = await octokit.rest.orgs.setMembershipForUser({ org: org.login, username: newcomer.login, role: 'admin' });
  assert.equal(added.data.role, 'admin');
  const members = await octokit.rest.orgs.listMembers({ org: org.login });
  assert.deepEqual(members.data.map((m) => m.login).sort(), [user.login, newcomer.login].sort());
  const admins = await octokit.rest.orgs.listMembers({ org: org.login, role: 'admin' });
  assert.equal(admins.data.length, 2);

  const full = await octokit.rest.orgs.get({ org: org.login });
  assert.equal(full.data.type, 'Organization');
  const mine = await octokit.rest.orgs.listForAuthenticatedUser();
  assert.deepEqual(mine.data.map((o) => o.login), [org.login]);
  const memberships = await octokit.rest.orgs.listMembershipsForAuthenticatedUser();
  assert.deepEqual(memberships.data.map((m) => [m.organization.login, m.role, m.state]), [[org.login, 'admin', 'active']]);

  await octokit.rest.orgs.removeMembershipForUser({ org: org.login, username: newcomer.login });
  assert.equal((await octokit.rest.orgs.listMembers({ org: org.login })).data.length, 1);

  const { octokit: weak } = await userWithToken(server, ['repo']);
  await assert.rejects(weak.rest.orgs.setMembershipForUser({ org: org.login, username: newcomer.login }), (e: RequestError) => e.status === 403);
});

test('site administrators create and delete users and revoke tokens with site_admin', async () => {
  const { octokit } = await userWithToken(server, ['site_admin'], { admin: true });
  const made = await octokit.request('POST /admin/users', { login: `adminmade${process.pid}`, email: `adminmade${process.pid}@example.com` });
  assert.equal(made.status, 201);
  const victim = await userWithToken(server, []);
  const tokens = await octokit.request('GET /admin/tokens', { user: victim.user.login });
  assert.deepEqual((tokens.data as { id: number }[]).map((t) => t.id), [victim.tokenId]);
  const revoked = await octokit.request('DELETE /admin/tokens/{id}', { id: victim.tokenId });
  assert.equal(revoked.status, 204);
  assert.equal((await api(server, '/user', { token: victim.token })).status, 401);
  const removed = await octokit.request('DELETE /admin/users/{username}', { username: `adminmade${process.pid}` });
  assert.equal(removed.status, 204);

  const plain = await userWithToken(server, ['site_admin']);
  await assert.rejects(plain.octokit.request('GET /admin/tokens'), (e: RequestError) => e.status === 403);
});

test('a leaked token is revoked by anyone holding it, with 202 whatever the input names', async () => {
  const victim = await userWithToken(server, ['repo']);
  const post = (body: string) => api(server, '/credentials/revoke', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal((await post(JSON.stringify({ credentials: [victim.token, 'ggp_notatoken'] }))).status, 202);
  assert.equal((await api(server, '/user', { token: victim.token })).status, 401);
  assert.equal((await post(JSON.stringify({ credentials: ['ggp_notatoken'] }))).status, 202);
  assert.equal((await post(JSON.stringify({ credentials: [] }))).status, 422);
  assert.equal((await post(JSON.stringify({ credentials: Array(1001).fill('x') }))).status, 422);
  const events = await server.services.audit.list(server.services.db, { userId: victim.user.id });
  assert.ok(events.some((e) => e.action === 'token.revoked_exposed'), 'the owner sees the revocation in the security log');
});

test('a public profile answered from memory shows a change the moment it is committed, and a deleted account at once', async () => {
  const { user: subject, octokit: subjectClient } = await userWithToken(server, ['user']);
  const { octokit: viewer } = await userWithToken(server, []);
  const profile = async (username = subject.login) => (await viewer.rest.users.getByUsername({ username })).data;
  assert.equal((await profile()).name, null);
  assert.equal((await profile()).name, null, 'asked again');
  await subjectClient.rest.users.updateAuthenticated({ name: 'Renamed Person' });
  assert.equal((await profile(subject.login.toUpperCase())).name, 'Renamed Person');
  await server.services.accounts.deleteUser(subject.login, 'cli');
  await assert.rejects(profile(), (error: RequestError) => error.status === 404);
});
