import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { User } from '../accounts/user-store.js';
import { expandScopes } from '../tokens/scopes.js';
import { ANONYMOUS, type Actor } from './actor.js';
import { canAdministerSite, canOrg, canRepo, canUseScopes, type RepoAction, type RepoPermission } from './policy.js';

const user: User = {
  id: 1,
  type: 'User',
  login: 'alice',
  email: 'a@example.com',
  name: null,
  siteAdmin: false,
  suspendedAt: null,
  notifyTokenExpiry: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const tokenActor = (scopes: string[], u: User = user): Actor => ({
  kind: 'user',
  user: u,
  via: 'token',
  token: { id: 1, note: 'n', scopes, expiresAt: null },
  granted: expandScopes(scopes),
});
const sessionActor: Actor = { kind: 'user', user, via: 'session', token: null, granted: null };

type Row = [label: string, actor: Actor, isPrivate: boolean, permission: RepoPermission, action: RepoAction, expected: string];

// actor kinds x scopes x visibility x permission -> allow | reason
const rows: Row[] = [
  ['anonymous reads a public repo', ANONYMOUS, false, 'none', 'read', 'allow'],
  ['anonymous reads a private repo', ANONYMOUS, true, 'none', 'read', 'not_found'],
  ['anonymous pushes to a public repo', ANONYMOUS, false, 'none', 'write', 'unauthenticated'],
  ['anonymous pushes to a private repo', ANONYMOUS, true, 'none', 'write', 'not_found'],
  ['no-scope token reads a public repo', tokenActor([]), false, 'none', 'read', 'allow'],
  ['no-scope token reads its own private repo', tokenActor([]), true, 'admin', 'read', 'not_found'],
  ['no-scope token pushes to its own public repo', tokenActor([]), false, 'admin', 'write', 'forbidden_scope'],
  ['public_repo token pushes to its own public repo', tokenActor(['public_repo']), false, 'admin', 'write', 'allow'],
  ['public_repo token reads its own private repo', tokenActor(['public_repo']), true, 'admin', 'read', 'not_found'],
  ['public_repo token pushes to its own private repo', tokenActor(['public_repo']), true, 'admin', 'write', 'not_found'],
  ['repo token reads its own private repo', tokenActor(['repo']), true, 'admin', 'read', 'allow'],
  ['repo token pushes to its own private repo', tokenActor(['repo']), true, 'admin', 'write', 'allow'],
  ['repo token reads a stranger private repo', tokenActor(['repo']), true, 'none', 'read', 'not_found'],
  ['repo token pushes to a stranger public repo', tokenActor(['repo']), false, 'none', 'write', 'forbidden_permission'],
  ['repo token, read collaborator, pushes to a private repo', tokenActor(['repo']), true, 'read', 'write', 'forbidden_permission'],
  ['repo token, write collaborator, pushes to a private repo', tokenActor(['repo']), true, 'write', 'write', 'allow'],
  ['repo token, write collaborator, administers a private repo', tokenActor(['repo']), true, 'write', 'admin', 'forbidden_permission'],
  ['no-scope token, read collaborator, pushes to a public repo', tokenActor([]), false, 'read', 'write', 'forbidden_permission'],
  ['repo token deletes its own repo', tokenActor(['repo']), false, 'admin', 'delete', 'forbidden_scope'],
  ['delete_repo token deletes its own public repo', tokenActor(['delete_repo']), false, 'admin', 'delete', 'allow'],
  ['delete_repo token deletes its own private repo without repo', tokenActor(['delete_repo']), true, 'admin', 'delete', 'not_found'],
  ['repo+delete_repo token deletes its own private repo', tokenActor(['repo', 'delete_repo']), true, 'admin', 'delete', 'allow'],
  ['session reads its own private repo', sessionActor, true, 'admin', 'read', 'allow'],
  ['session pushes to a stranger private repo', sessionActor, true, 'none', 'write', 'not_found'],
  ['session deletes its own private repo', sessionActor, true, 'admin', 'delete', 'allow'],
];

for (const [label, actor, isPrivate, permission, action, expected] of rows) {
  test(`policy: ${label} -> ${expected}`, () => {
    const decision = canRepo(actor, action, { private: isPrivate, permission });
    assert.equal(decision.allow ? 'allow' : decision.reason, expected);
  });
}

test('a missing repository is not_found for everyone, indistinguishable from a hidden one', () => {
  for (const actor of [ANONYMOUS, tokenActor(['repo']), sessionActor]) {
    const decision = canRepo(actor, 'read', null);
    assert.equal(decision.allow, false);
    assert.equal(!decision.allow && decision.reason, 'not_found');
  }
});

test('a scope denial names the scopes that would allow the action', () => {
  const decision = canRepo(tokenActor([]), 'write', { private: false, permission: 'admin' });
  assert.deepEqual(decision.acceptedScopes, ['public_repo', 'repo']);
});

test('account routes need the named scope from a token, nothing from a session', () => {
  assert.equal(canUseScopes(tokenActor(['user:email']), ['user']).allow, false);
  assert.equal(canUseScopes(tokenActor(['user']), ['user:email', 'user']).allow, true);
  assert.equal(canUseScopes(sessionActor, ['user']).allow, true);
  const anonymous = canUseScopes(ANONYMOUS, []);
  assert.equal(!anonymous.allow && anonymous.reason, 'unauthenticated');
});

test('organization administration needs ownership and admin:org', () => {
  const member = canOrg(tokenActor(['admin:org']), 'admin', { role: 'member' });
  assert.equal(!member.allow && member.reason, 'forbidden_permission');
  const ownerNoScope = canOrg(tokenActor(['read:org']), 'admin', { role: 'owner' });
  assert.equal(!ownerNoScope.allow && ownerNoScope.reason, 'forbidden_scope');
  assert.equal(canOrg(tokenActor(['admin:org']), 'admin', { role: 'owner' }).allow, true);
});

test('site administration needs a site administrator holding site_admin', () => {
  const admin = { ...user, siteAdmin: true };
  assert.equal(canAdministerSite(tokenActor(['site_admin'], admin)).allow, true);
  const noScope = canAdministerSite(tokenActor(['repo'], admin));
  assert.equal(!noScope.allow && noScope.reason, 'forbidden_scope');
  const notAdmin = canAdministerSite(tokenActor(['site_admin']));
  assert.equal(!notAdmin.allow && notAdmin.reason, 'forbidden_permission');
});
