import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ANONYMOUS, SYSTEM, type UserActor } from '../../src/domain/auth/actor.js';
import { expandScopes } from '../../src/domain/tokens/scopes.js';
import { MINUTE } from '../../src/lib/clock.js';
import { isGitgateError } from '../../src/lib/errors.js';
import { engineTest } from './engines.js';

const PASSWORD = 'correct horse battery staple';

function actorOf(user: UserActor['user'], scopes: string[] | null = null): UserActor {
  return { kind: 'user', user, via: scopes ? 'token' : 'session', token: null, granted: scopes ? expandScopes(scopes) : null };
}

async function rejectsWith(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error) => isGitgateError(error) && error.code === code);
}

engineTest('creates accounts, keeps logins and emails unique regardless of case, and verifies passwords', async ({ services }) => {
  const { accounts } = services;
  const alice = await accounts.createUser({ login: 'Alice', email: 'Alice@Example.com', password: PASSWORD }, 'cli');
  assert.equal(alice.siteAdmin, false);
  assert.equal(alice.notifyTokenExpiry, true);
  assert.equal(typeof alice.id, 'number');
  await rejectsWith(accounts.createUser({ login: 'alice', email: 'other@example.com', password: PASSWORD }, 'cli'), 'login_taken');
  await rejectsWith(accounts.createUser({ login: 'bob', email: 'alice@example.COM', password: PASSWORD }, 'cli'), 'email_taken');
  assert.equal((await accounts.verifyPassword('ALICE', PASSWORD))?.id, alice.id);
  assert.equal((await accounts.verifyPassword('alice@example.com', PASSWORD))?.id, alice.id);
  assert.equal(await accounts.verifyPassword('alice', 'wrong password here'), null);

  assert.equal(await accounts.users.countAdmins(), 0);
  const promoted = await accounts.promote('alice', 'cli');
  assert.equal(promoted.siteAdmin, true);
  assert.equal(await accounts.users.countAdmins(), 1, 'count() is a number on every engine');
  const suspended = await accounts.suspend('alice', 'cli');
  assert.ok(suspended.suspendedAt);
  assert.equal((await accounts.unsuspend('alice', 'cli')).suspendedAt, null);
  await accounts.setNotifyTokenExpiry(alice, false);
  assert.equal((await accounts.users.findById(alice.id))?.notifyTokenExpiry, false);
  const renamed = await accounts.updateProfile(alice, { name: 'Alice A.', email: 'new@example.com' }, 'cli');
  assert.equal(renamed.email, 'new@example.com');
  assert.equal((await accounts.users.list({ type: 'User' })).length, 1);
  await accounts.deleteUser('alice', 'cli');
  assert.equal(await accounts.users.findByLogin('alice'), null);
});

engineTest('creates, resolves, regenerates and deletes tokens, touching last use at most once a minute', async ({ services, clock }) => {
  const { accounts, tokens } = services;
  const user = await accounts.createUser({ login: 'tok', email: 'tok@example.com', password: PASSWORD }, 'cli');
  const issued = await tokens.create(user, { note: 'ci', scopes: ['repo', 'read:org'] }, 'cli');
  assert.match(issued.token, /^ggp_/);
  assert.deepEqual([...issued.info.scopes].sort(), ['read:org', 'repo']);
  await rejectsWith(tokens.create(user, { note: 'ci', scopes: [] }, 'cli'), 'note_taken');

  const live = await tokens.resolve(issued.token);
  assert.equal(live.status, 'live');
  assert.ok(live.status === 'live' && live.user.login === 'tok' && live.user.site_admin === 0);

  // last_used: written on first use, not again within a minute, again after it.
  assert.ok(live.status === 'live');
  tokens.touchLastUsed(live.token, '127.0.0.1', 'test-agent');
  await tokens.flushLastUsed();
  const first = (await tokens.get(user, issued.info.id)).lastUsedAt;
  assert.ok(first);
  clock.advance(30_000);
  const at = new Date(clock.now());
  await tokens.store.touchLastUsed([{ tokenId: issued.info.id, at: at.toISOString(), notBefore: new Date(at.getTime() - MINUTE).toISOString(), ip: '10.0.0.1', userAgent: null }]);
  assert.equal((await tokens.get(user, issued.info.id)).lastUsedAt, first, 'a second touch within a minute changes nothing');
  clock.advance(MINUTE);
  const again = await tokens.resolve(issued.token);
  assert.ok(again.status === 'live');
  tokens.touchLastUsed(again.token, '10.0.0.2', null);
  await tokens.flushLastUsed();
  const second = await tokens.get(user, issued.info.id);
  assert.notEqual(second.lastUsedAt, first);
  assert.equal(second.lastUsedIp, '10.0.0.2');

  const updated = await tokens.update(user, issued.info.id, { note: 'ci 2', scopes: ['read:user'] }, 'cli');
  assert.deepEqual(updated.scopes, ['read:user']);

  const regenerated = await tokens.regenerate(user, issued.info.id, { kind: 'never' }, 'cli');
  assert.equal((await tokens.resolve(issued.token)).status, 'unknown', 'the old secret dies on regeneration');
  assert.equal((await tokens.resolve(regenerated.token)).status, 'live');
  assert.equal(regenerated.info.expiresAt, null);

  const expiring = await tokens.create(user, { note: 'short', scopes: [], expiration: { kind: 'days', days: 7 } }, 'cli');
  clock.advance(8 * 24 * 60 * MINUTE);
  assert.equal((await tokens.resolve(expiring.token)).status, 'expired');

  assert.equal((await tokens.list(user)).length, 2);
  assert.equal((await tokens.listAll()).length, 2);
  await tokens.delete(user, issued.info.id, 'cli');
  assert.equal((await tokens.resolve(regenerated.token)).status, 'unknown');
  await tokens.revokeById(expiring.info.id, 'cli');
  assert.equal((await tokens.list(user)).length, 0);
  const third = await tokens.create(user, { note: 'leaked', scopes: [] }, 'cli');
  assert.equal((await tokens.revokeBySecret(third.token, 'exposed'))?.id, third.info.id);
  await tokens.create(user, { note: 'a', scopes: [] }, 'cli');
  await tokens.create(user, { note: 'b', scopes: [] }, 'cli');
  assert.equal(await tokens.deleteAll(user, 'cli'), 2);
});

engineTest('keeps last uses beside the tokens: a token\'s deletion takes its last use, and a use of a deleted token is dropped', async ({ services, database, clock }) => {
  const { accounts, tokens } = services;
  const user = await accounts.createUser({ login: 'uses', email: 'uses@example.com', password: PASSWORD }, 'cli');
  const kept = await tokens.create(user, { note: 'kept', scopes: [] }, 'cli');
  const gone = await tokens.create(user, { note: 'gone', scopes: [] }, 'cli');
  const lastUses = async () =>
    (await database.db.selectFrom('token_last_uses').select(['token_id', 'last_used_ip']).orderBy('token_id').execute()).map((r) => `${r.token_id} ${r.last_used_ip}`);
  assert.deepEqual(await lastUses(), [], 'a new token has no last use');
  assert.equal((await tokens.get(user, kept.info.id)).lastUsedAt, null);

  // A use now, as the token service queues it: written unless the last one is under a minute old.
  const use = (tokenId: number, ip: string) => {
    const at = clock.now();
    return { tokenId, at: at.toISOString(), notBefore: new Date(at.getTime() - MINUTE).toISOString(), ip, userAgent: 'agent' };
  };
  await tokens.store.touchLastUsed([use(kept.info.id, '10.0.0.1'), use(gone.info.id, '10.0.0.2')]);
  assert.deepEqual(await lastUses(), [`${kept.info.id} 10.0.0.1`, `${gone.info.id} 10.0.0.2`]);
  const listed = await tokens.list(user);
  assert.deepEqual(listed.map((t) => [t.note, t.lastUsedIp, t.lastUsedUserAgent]), [['gone', '10.0.0.2', 'agent'], ['kept', '10.0.0.1', 'agent']]);

  await tokens.delete(user, gone.info.id, 'cli');
  assert.deepEqual(await lastUses(), [`${kept.info.id} 10.0.0.1`], 'deleting a token deletes its last use');
  // Queued before the deletion, written after it: dropped, and the rest of the batch still written.
  clock.advance(2 * MINUTE);
  await tokens.store.touchLastUsed([use(gone.info.id, '10.0.0.3'), use(kept.info.id, '10.0.0.4')]);
  assert.deepEqual(await lastUses(), [`${kept.info.id} 10.0.0.4`]);
  await accounts.deleteUser('uses', 'cli');
  assert.deepEqual(await lastUses(), [], "deleting the owner deletes its tokens' last uses");
});

engineTest('authenticates tokens and refuses those of a suspended user', async ({ services }) => {
  const { accounts, tokens, authenticator } = services;
  const user = await accounts.createUser({ login: 'auth', email: 'auth@example.com', password: PASSWORD }, 'cli');
  const { token } = await tokens.create(user, { note: 'x', scopes: ['repo'] }, 'cli');
  const ctx = { ip: '127.0.0.1', userAgent: null };
  const ok = await authenticator.authenticate(authenticator.prepare(`token ${token}`), ctx);
  assert.ok(ok.ok && ok.actor.kind === 'user' && ok.actor.user.login === 'auth');
  await accounts.suspend('auth', 'cli');
  const refused = await authenticator.authenticate(authenticator.prepare(`token ${token}`), ctx);
  assert.deepEqual(refused, { ok: false, failure: { reason: 'suspended' } });
});

engineTest('manages repositories, renames with redirects, collaborators and organizations', async ({ services }) => {
  const { accounts, repos, orgs } = services;
  const owner = await accounts.createUser({ login: 'owner', email: 'owner@example.com', password: PASSWORD }, 'cli');
  const friend = await accounts.createUser({ login: 'friend', email: 'friend@example.com', password: PASSWORD }, 'cli');
  const repo = await repos.create(actorOf(owner), 'owner', { name: 'Project', private: true });
  assert.equal(repo.private, true);
  assert.equal(repo.fullName, 'owner/Project');
  await rejectsWith(repos.create(actorOf(owner), 'owner', { name: 'project' }), 'repo_exists');

  assert.equal(await repos.isVisible(ANONYMOUS, repo), false);
  assert.equal(await repos.isVisible(actorOf(friend), repo), false);
  await repos.setCollaborator(actorOf(owner), repo, 'friend', 'write');
  assert.equal(await repos.permissionFor(actorOf(friend), repo), 'write');
  assert.equal((await repos.store.listCollaborators(repo.id)).length, 1);
  assert.deepEqual((await repos.listForMember(actorOf(friend), friend.id)).map((r) => r.name), ['Project']);

  const renamed = await repos.update(actorOf(owner), repo, { name: 'Renamed', private: false, description: 'd' });
  assert.equal(renamed.private, false);
  assert.equal((await repos.store.findRedirect('owner', 'project'))?.id, repo.id);
  await repos.recordPush(renamed, actorOf(owner), [{ ref: 'refs/heads/main', oldSha: '0'.repeat(40), newSha: '1'.repeat(40) }], null, '127.0.0.1');
  assert.ok((await repos.store.findById(repo.id))?.pushedAt);

  const org = await orgs.create(SYSTEM, 'Acme', owner);
  assert.equal(org.type, 'Organization');
  await orgs.setMember(actorOf(owner), 'acme', 'friend', 'member');
  assert.deepEqual((await orgs.members('acme')).map((m) => `${m.user.login}:${m.role}`), ['friend:member', 'owner:owner']);
  await rejectsWith(orgs.removeMember(actorOf(owner), 'acme', 'owner'), 'last_owner');
  const orgRepo = await repos.create(actorOf(owner), 'acme', { name: 'tools', private: true });
  assert.equal(await repos.permissionFor(actorOf(friend), orgRepo), 'read');
  assert.equal((await orgs.orgsOf(friend.id))[0]?.org.login, 'Acme');
  await orgs.removeMember(actorOf(owner), 'acme', 'friend');
  assert.equal(await repos.permissionFor(actorOf(friend), orgRepo), 'none');

  await repos.delete(actorOf(owner), renamed);
  assert.equal(await repos.store.findById(repo.id), null);
  assert.deepEqual((await repos.listAll()).map((r) => r.fullName), ['Acme/tools']);
});

engineTest('appends audit events and aggregates authentication failures per IP and minute', async ({ services, database, clock }) => {
  const { accounts, audit } = services;
  const user = await accounts.createUser({ login: 'aud', email: 'aud@example.com', password: PASSWORD }, 'cli');
  // Counted in memory, then added to the minute's row by each flush.
  clock.set(new Date(Math.floor(clock.now().getTime() / MINUTE) * MINUTE));
  audit.recordAuthFailure(database.db, '192.0.2.1', 'unknown_token');
  audit.recordAuthFailure(database.db, '192.0.2.1', 'unknown_token');
  await audit.flush();
  audit.recordAuthFailure(database.db, '192.0.2.1', 'unknown_token');
  await audit.flush();
  clock.advance(MINUTE);
  audit.recordAuthFailure(database.db, '192.0.2.1', 'unknown_token');
  await audit.flush();
  const failures = (await audit.list(database.db)).filter((e) => e.action === 'auth.failure');
  assert.deepEqual(failures.map((e) => e.count), [1, 3]);
  assert.equal(typeof failures[0]?.count, 'number');
  const mine = await audit.list(database.db, { userId: user.id });
  assert.deepEqual(mine.map((e) => e.action), ['user.create']);
  assert.deepEqual(mine[0]?.data, { site_admin: false });
});

engineTest('keeps web sessions and sudo mode in the database, ending them on suspension and password change', async ({ services, clock }) => {
  const { accounts, sessions } = services;
  const user = await accounts.createUser({ login: 'sess', email: 'sess@example.com', password: PASSWORD }, 'cli');
  const cookie = await sessions.create(user, '127.0.0.1', 'agent');
  const session = await sessions.find(cookie);
  assert.equal(session?.user.id, user.id);
  assert.equal(sessions.isSudo(session!), true);
  clock.advance(3 * 60 * MINUTE);
  const later = await sessions.find(cookie);
  assert.equal(sessions.isSudo(later!), false);
  await sessions.confirmSudo(later!);
  assert.equal(sessions.isSudo((await sessions.find(cookie))!), true);
  await accounts.setPassword('sess', 'another long password', 'cli');
  assert.equal(await sessions.find(cookie), null);
  const second = await sessions.create(user, null, null);
  await accounts.suspend('sess', 'cli');
  assert.equal(await sessions.find(second), null);
  await accounts.unsuspend('sess', 'cli');
  const third = await sessions.create(user, null, null);
  await sessions.destroy(third);
  assert.equal(await sessions.find(third), null);
});

engineTest('issues the setup code in the database and lets it be redeemed exactly once', async ({ services }) => {
  const { setup } = services;
  const code = await setup.issue();
  assert.ok(code);
  assert.equal(await setup.isValid(code), true);
  const newer = await setup.issue();
  assert.equal(await setup.isValid(code), false, 'a new start replaces the old code');
  const results = await Promise.allSettled([
    setup.redeem(newer!, { login: 'root1', email: 'r1@example.com', password: PASSWORD }),
    setup.redeem(newer!, { login: 'root2', email: 'r2@example.com', password: PASSWORD }),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.equal(await setup.isNeeded(), false);
  assert.equal(await setup.issue(), null);
});

engineTest(
  'counts password failures in the database and throttles once the limit is reached',
  async ({ services, clock, database }) => {
    const { passwordThrottle } = services;
    assert.equal(await passwordThrottle.retryAfter('192.0.2.7', 'victim'), 0);
    await Promise.all([1, 2, 3].map(() => passwordThrottle.recordFailure('192.0.2.7', 'Victim')));
    const counted = await database.db.selectFrom('counters').selectAll().where('key', '=', 'pw:192.0.2.7:victim').executeTakeFirstOrThrow();
    assert.equal(counted.count, 3, 'concurrent failures are all counted');
    const wait = await passwordThrottle.retryAfter('192.0.2.7', 'victim');
    assert.ok(wait > 0 && wait <= 300, `retry after ${wait}s`);
    assert.equal(await passwordThrottle.retryAfter('192.0.2.8', 'victim'), 0, 'another address is not throttled');
    clock.advance(5 * MINUTE);
    assert.equal(await passwordThrottle.retryAfter('192.0.2.7', 'victim'), 0, 'the window ends');
    await passwordThrottle.recordFailure('192.0.2.7', 'victim');
    const reset = await database.db.selectFrom('counters').selectAll().where('key', '=', 'pw:192.0.2.7:victim').executeTakeFirstOrThrow();
    assert.equal(reset.count, 1, 'a new window starts from one');
  },
  { env: { GITGATE_AUTH_THROTTLE: '3/5m' } },
);

engineTest('answers plain SQL with the same JavaScript types on both engines', async ({ database }) => {
  const row = await sql<{ n: unknown; s: unknown }>`SELECT count(*) AS n, sum(count) AS s FROM audit_events`.execute(database.db);
  // count(*) and sum() are bigint on PostgreSQL: open-database.ts parses them as numbers.
  assert.equal(row.rows[0]?.n, 0);
  const created = await database.db.insertInto('counters').values({ key: 'k', window_start: '2026-01-01T00:00:00.000Z', count: 2 }).returning(['count', 'key']).executeTakeFirstOrThrow();
  assert.deepEqual(created, { count: 2, key: 'k' }, 'returning works on both engines');
  const total = await database.db.selectFrom('counters').select((eb) => eb.fn.sum<number>('count').as('total')).executeTakeFirstOrThrow();
  assert.equal(total.total, 2);
  const deleted = await database.db.deleteFrom('counters').where('key', '=', 'k').executeTakeFirst();
  assert.equal(Number(deleted.numDeletedRows), 1);
});
