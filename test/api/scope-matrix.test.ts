import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { expandScopes, SCOPES } from '../../src/domain/tokens/scopes.js';
import { registeredApiRoutes } from '../../src/http/api/api-routes.js';
import { DAY } from '../../src/lib/clock.js';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The scope matrix: every API route, with every scope of the catalog (plus no token, a token with
 * no scopes, an expired and a deleted token, and another user's private repository), answers the
 * status written here. A route registered without a row here fails the last test, so no route can
 * ship without its scope rules.
 */
interface Fixture {
  server: TestServer;
  owner: string;
  org: string;
  member: string;
  other: { owner: string; repo: string };
  seq: () => number;
}

type Target = { owner: string; repo: string };

interface Row {
  /** `METHOD /api/v3/...` in Fastify's form: the registered route this row covers. */
  route: string;
  path: (fx: Fixture, t: Target) => string;
  body?: (fx: Fixture) => unknown;
  /** The repository the route acts on, made fresh per case when the route destroys it. */
  target?: 'public' | 'private' | ((fx: Fixture) => Promise<Target>);
  /** Status without any Authorization header. */
  anon: number;
  /** Status when allowed. */
  ok: number;
  /** Scopes any one of which allows (children implied by parents); absent = any token. */
  needs?: string[];
  /** Status for a token lacking the scope: 403 when the resource is visible, 404 when not. */
  denied?: number;
  /** Prepares something the request needs (a user to delete, a token to revoke) and returns a path. */
  fresh?: (fx: Fixture) => Promise<string>;
}

const R = (owner: string, repo: string) => `${owner}/${repo}`;
const repoPath = (suffix = '') => (_fx: Fixture, t: Target) => `/repos/${R(t.owner, t.repo)}${suffix}`;
const fixed = (path: string) => () => path;

async function freshPublicRepo(fx: Fixture): Promise<Target> {
  const name = `doomed-${fx.seq()}`;
  await fx.server.services.repos.create(SYSTEM, fx.owner, { name, private: false });
  return { owner: fx.owner, repo: name };
}

const READS: [string, string][] = [
  ['GET /api/v3/repos/:owner/:repo', ''],
  ['GET /api/v3/repos/:owner/:repo/branches', '/branches'],
  ['GET /api/v3/repos/:owner/:repo/branches/:branch', '/branches/main'],
  ['GET /api/v3/repos/:owner/:repo/commits', '/commits'],
  ['GET /api/v3/repos/:owner/:repo/contents', '/contents'],
  ['GET /api/v3/repos/:owner/:repo/contents/*', '/contents/README.md'],
  ['GET /api/v3/repos/:owner/:repo/readme', '/readme'],
  ['GET /api/v3/repos/:owner/:repo/tarball', '/tarball'],
  ['GET /api/v3/repos/:owner/:repo/tarball/:ref', '/tarball/main'],
  ['GET /api/v3/repos/:owner/:repo/zipball', '/zipball'],
  ['GET /api/v3/repos/:owner/:repo/zipball/:ref', '/zipball/main'],
  ['GET /api/v3/repos/:owner/:repo/collaborators/:username/permission', '/collaborators/{member}/permission'],
];

const ROWS: Row[] = [
  { route: 'GET /api/v3', path: fixed(''), anon: 200, ok: 200 },
  { route: 'GET /api/v3/', path: fixed('/'), anon: 200, ok: 200 },
  { route: 'GET /api/v3/openapi.json', path: fixed('/openapi.json'), anon: 200, ok: 200 },
  { route: 'GET /api/v3/rate_limit', path: fixed('/rate_limit'), anon: 200, ok: 200 },
  { route: 'POST /api/v3/credentials/revoke', path: fixed('/credentials/revoke'), body: () => ({ credentials: ['ggp_notarealtoken'] }), anon: 202, ok: 202 },
  { route: 'GET /api/v3/user', path: fixed('/user'), anon: 401, ok: 200 },
  { route: 'PATCH /api/v3/user', path: fixed('/user'), body: () => ({ name: 'Matrix Owner' }), anon: 401, ok: 200, needs: ['user'], denied: 403 },
  { route: 'GET /api/v3/user/emails', path: fixed('/user/emails'), anon: 401, ok: 200, needs: ['user:email'], denied: 403 },
  { route: 'GET /api/v3/users/:username', path: (fx) => `/users/${fx.member}`, anon: 200, ok: 200 },
  { route: 'GET /api/v3/users', path: fixed('/users'), anon: 200, ok: 200 },
  { route: 'GET /api/v3/user/repos', path: fixed('/user/repos'), anon: 401, ok: 200 },
  { route: 'POST /api/v3/user/repos', path: fixed('/user/repos'), body: (fx) => ({ name: `new-${fx.seq()}` }), anon: 401, ok: 201, needs: ['public_repo'], denied: 403 },
  {
    route: 'POST /api/v3/user/repos',
    path: fixed('/user/repos'),
    body: (fx) => ({ name: `newp-${fx.seq()}`, private: true }),
    anon: 401,
    ok: 201,
    needs: ['repo'],
    denied: 403,
  },
  { route: 'GET /api/v3/users/:username/repos', path: (fx) => `/users/${fx.owner}/repos`, anon: 200, ok: 200 },
  { route: 'GET /api/v3/orgs/:org/repos', path: (fx) => `/orgs/${fx.org}/repos`, anon: 200, ok: 200 },
  { route: 'POST /api/v3/orgs/:org/repos', path: (fx) => `/orgs/${fx.org}/repos`, body: (fx) => ({ name: `org-${fx.seq()}` }), anon: 401, ok: 201, needs: ['public_repo'], denied: 403 },
  ...READS.map(([route, suffix]): Row => ({ route, path: (fx, t) => repoPath(suffix.replace('{member}', fx.member))(fx, t), target: 'public', anon: 200, ok: 200 })),
  ...READS.map(([route, suffix]): Row => ({ route, path: (fx, t) => repoPath(suffix.replace('{member}', fx.member))(fx, t), target: 'private', anon: 404, ok: 200, needs: ['repo'], denied: 404 })),
  { route: 'PATCH /api/v3/repos/:owner/:repo', path: repoPath(), target: 'public', body: () => ({ description: 'changed' }), anon: 401, ok: 200, needs: ['public_repo'], denied: 403 },
  { route: 'PATCH /api/v3/repos/:owner/:repo', path: repoPath(), target: 'private', body: () => ({ description: 'changed' }), anon: 404, ok: 200, needs: ['repo'], denied: 404 },
  { route: 'DELETE /api/v3/repos/:owner/:repo', path: repoPath(), target: freshPublicRepo, anon: 401, ok: 204, needs: ['delete_repo'], denied: 403 },
  { route: 'GET /api/v3/repos/:owner/:repo/collaborators', path: repoPath('/collaborators'), target: 'public', anon: 401, ok: 200, needs: ['public_repo'], denied: 403 },
  { route: 'GET /api/v3/repos/:owner/:repo/collaborators', path: repoPath('/collaborators'), target: 'private', anon: 404, ok: 200, needs: ['repo'], denied: 404 },
  {
    route: 'PUT /api/v3/repos/:owner/:repo/collaborators/:username',
    path: (fx, t) => repoPath(`/collaborators/${fx.member}`)(fx, t),
    target: 'public',
    body: () => ({ permission: 'pull' }),
    anon: 401,
    ok: 204,
    needs: ['public_repo'],
    denied: 403,
  },
  {
    route: 'DELETE /api/v3/repos/:owner/:repo/collaborators/:username',
    path: (fx, t) => repoPath(`/collaborators/${fx.member}`)(fx, t),
    target: 'public',
    anon: 401,
    ok: 204,
    needs: ['public_repo'],
    denied: 403,
  },
  { route: 'GET /api/v3/user/orgs', path: fixed('/user/orgs'), anon: 401, ok: 200 },
  { route: 'GET /api/v3/user/memberships/orgs', path: fixed('/user/memberships/orgs'), anon: 401, ok: 200, needs: ['read:org'], denied: 403 },
  { route: 'GET /api/v3/orgs/:org', path: (fx) => `/orgs/${fx.org}`, anon: 200, ok: 200 },
  { route: 'GET /api/v3/orgs/:org/members', path: (fx) => `/orgs/${fx.org}/members`, anon: 200, ok: 200 },
  {
    route: 'PUT /api/v3/orgs/:org/memberships/:username',
    path: (fx) => `/orgs/${fx.org}/memberships/${fx.member}`,
    body: () => ({ role: 'member' }),
    anon: 401,
    ok: 200,
    needs: ['admin:org'],
    denied: 403,
  },
  { route: 'DELETE /api/v3/orgs/:org/memberships/:username', path: (fx) => `/orgs/${fx.org}/memberships/${fx.member}`, anon: 401, ok: 204, needs: ['admin:org'], denied: 403 },
  {
    route: 'POST /api/v3/admin/users',
    path: fixed('/admin/users'),
    body: (fx) => ({ login: `made${fx.seq()}`, email: `made${fx.seq()}@example.com` }),
    anon: 401,
    ok: 201,
    needs: ['site_admin'],
    denied: 403,
  },
  {
    route: 'DELETE /api/v3/admin/users/:username',
    path: fixed(''),
    fresh: async (fx) => `/admin/users/${(await createUser(fx.server)).login}`,
    anon: 401,
    ok: 204,
    needs: ['site_admin'],
    denied: 403,
  },
  { route: 'GET /api/v3/admin/tokens', path: fixed('/admin/tokens'), anon: 401, ok: 200, needs: ['site_admin'], denied: 403 },
  {
    route: 'DELETE /api/v3/admin/tokens/:id',
    path: fixed(''),
    fresh: async (fx) => {
      const member = (await fx.server.services.accounts.users.findByLogin(fx.member))!;
      return `/admin/tokens/${(await createToken(fx.server, member)).id}`;
    },
    anon: 401,
    ok: 204,
    needs: ['site_admin'],
    denied: 403,
  },
];

type Case = { name: string; token: string | null; scope: string | null; bad?: boolean };

test('every API route answers each scope, no token, an expired and a deleted token as its row says', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  let n = 0;
  // Coverage first: a route without rules fails before any request is made.
  const covered = new Set(ROWS.map((r) => r.route));
  const registered = registeredApiRoutes(server.services).map((r) => `${r.method} ${r.url}`);
  assert.ok(registered.length > 30, 'the API registered its routes');
  const missing = registered.filter((r) => !covered.has(r));
  assert.deepEqual(missing, [], 'every registered API route has a row in the scope matrix');
  const stale = [...covered].filter((r) => !registered.includes(r));
  assert.deepEqual(stale, [], 'every row of the matrix names a registered route');
  const owner = await createUser(server, { admin: true });
  const other = await createUser(server);
  const member = await createUser(server);
  const org = await server.services.orgs.create(SYSTEM, `matrixorg${process.pid}`, owner);
  const { repos } = server.services;
  for (const [name, isPrivate] of [
    ['pub', false],
    ['priv', true],
  ] as const) {
    await repos.create(SYSTEM, owner.login, { name, private: isPrivate });
    const { createInitialCommit } = await import('../../src/git/repo-init.js');
    await createInitialCommit(repos.storage.pathOf(owner.login, name), {
      branch: 'main',
      files: [{ path: 'README.md', content: '# hi\n' }],
      message: 'init',
      author: { name: 'A', email: 'a@example.com' },
      date: new Date(),
    });
  }
  await repos.create(SYSTEM, other.login, { name: 'secret', private: true });
  const fx: Fixture = { server, owner: owner.login, org: org.login, member: member.login, other: { owner: other.login, repo: 'secret' }, seq: () => ++n };

  const expiring = await createToken(server, owner, { scopes: SCOPES.map((s) => s.name), expires: '7' });
  const deleted = await createToken(server, owner, { scopes: SCOPES.map((s) => s.name) });
  await server.services.tokens.delete(owner, deleted.id, 'cli');
  server.clock.advance(8 * DAY);

  const cases: Case[] = [
    { name: 'no token', token: null, scope: null },
    { name: 'no scopes', token: (await createToken(server, owner, { scopes: [] })).token, scope: '' },
  ];
  for (const scope of SCOPES) cases.push({ name: scope.name, token: (await createToken(server, owner, { scopes: [scope.name] })).token, scope: scope.name });
  cases.push({ name: 'expired', token: expiring.token, scope: null, bad: true }, { name: 'deleted', token: deleted.token, scope: null, bad: true });
  const allScopes = (await createToken(server, owner, { scopes: SCOPES.map((s) => s.name) })).token;

  const failures: string[] = [];
  const call = async (row: Row, token: string | null, target: Target | null) => {
    let path = row.path(fx, target ?? { owner: fx.owner, repo: 'pub' });
    if (row.fresh) path = await row.fresh(fx);
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `token ${token}`;
    const body = row.body?.(fx);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const method = row.route.split(' ')[0]!;
    const res = await fetch(`${server.url}/api/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    await res.arrayBuffer();
    return { status: res.status, path };
  };
  const targetFor = async (row: Row): Promise<Target | null> => {
    if (!row.target) return null;
    if (row.target === 'public') return { owner: fx.owner, repo: 'pub' };
    if (row.target === 'private') return { owner: fx.owner, repo: 'priv' };
    return row.target(fx);
  };

  for (const row of ROWS) {
    for (const c of cases) {
      let expected: number;
      if (c.bad) expected = 401;
      else if (c.token === null) expected = row.anon;
      else if (!row.needs) expected = row.ok;
      else expected = row.needs.some((need) => expandScopes(c.scope ? [c.scope] : []).has(need)) ? row.ok : row.denied!;
      const { status, path } = await call(row, c.token, await targetFor(row));
      if (status !== expected) failures.push(`${row.route} (${path}) with ${c.name}: expected ${expected}, got ${status}`);
    }
    if (row.target) {
      // Another user's private repository: invisible whatever the scopes, so 404 (never 403).
      const { status, path } = await call(row, allScopes, fx.other);
      if (status !== 404) failures.push(`${row.route} (${path}) on another user's private repository: expected 404, got ${status}`);
    }
  }
  assert.deepEqual(failures, []);

});
