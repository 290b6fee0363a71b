import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { User } from '../../src/domain/accounts/user-store.js';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { MAX_FIELDS } from '../../src/http/api/graphql/graphql-routes.js';
import { assertNoSecretsInLogs, createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';

// GraphQL through the public surface of a real server: what gh decodes, and the same policy,
// scopes and rate limit as the REST API.
const RATE_LIMIT = 40;
let server: TestServer;
let alice: User;
let full: string;
const secrets: string[] = [];

before(async () => {
  server = await startTestServer({ env: { GITGATE_RATE_LIMIT: String(RATE_LIMIT) } });
  alice = await createUser(server, { login: 'alice' });
  full = (await createToken(server, alice, { scopes: ['repo', 'read:org'] })).token;
  secrets.push(full);
  await createUser(server, { login: 'bob' });
  await server.services.repos.create(SYSTEM, 'bob', { name: 'secret', private: true });
  await server.services.repos.create(SYSTEM, 'alice', { name: 'mine', private: true });
  await server.services.orgs.create(SYSTEM, 'acme', alice);
  await server.services.orgs.create(SYSTEM, 'others', (await server.services.accounts.users.findByLogin('bob'))!);
});

after(async () => {
  assertNoSecretsInLogs(server, secrets);
  await server.close();
});

async function tokenFor(login: string, scopes: string[]): Promise<string> {
  const user = (await server.services.accounts.users.findByLogin(login)) ?? (await createUser(server, { login }));
  const { token } = await createToken(server, user, { scopes });
  secrets.push(token);
  return token;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; the assertions check their shape
type Loose = any;

async function graphql(token: string | null, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${server.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'GitHub CLI 2.23.0', ...(token ? { authorization: `token ${token}` } : {}) },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: Loose; errors?: Loose[]; message?: string } };
}

async function rest(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/v3${path}`, {
    method,
    headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Loose };
}

// The query gh 2.23's `repo clone` sends, verbatim.
const REPOSITORY_INFO = `
	fragment repo on Repository {
		id
		name
		owner { login }
		hasIssuesEnabled
		description
		hasWikiEnabled
		viewerPermission
		defaultBranchRef {
			name
		}
	}

	query RepositoryInfo($owner: String!, $name: String!) {
		repository(owner: $owner, name: $name) {
			...repo
			parent {
				...repo
			}
			mergeCommitAllowed
			rebaseMergeAllowed
			squashMergeAllowed
		}
	}`;

const CREATE = `mutation RepositoryCreate($input: CreateRepositoryInput!) {
  createRepository(input: $input) { repository { id name owner { login } url } }
}`;

test('viewer answers exactly the selected fields, with the token headers', async () => {
  const r = await graphql(full, 'query UserCurrent{viewer{login}}');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { data: { viewer: { login: 'alice' } } });
  assert.equal(r.headers.get('x-oauth-scopes'), 'repo, read:org');
});

test('RepositoryInfo as gh sends it answers every field, parent null and null defaultBranchRef while empty', async () => {
  const r = await graphql(full, REPOSITORY_INFO, { owner: 'alice', name: 'mine' });
  assert.equal(r.body.errors, undefined);
  const repo = await server.services.repos.store.findByName('alice', 'mine');
  assert.deepEqual(r.body.data.repository, {
    id: Buffer.from(`010:Repository${repo!.id}`).toString('base64'),
    name: 'mine',
    owner: { login: 'alice' },
    hasIssuesEnabled: false,
    description: null,
    hasWikiEnabled: false,
    viewerPermission: 'ADMIN',
    defaultBranchRef: null,
    parent: null,
    mergeCommitAllowed: false,
    rebaseMergeAllowed: false,
    squashMergeAllowed: false,
  });
});

test('GraphQL ids are the REST node_ids, for repositories, users and organizations', async () => {
  const created = await rest(full, 'POST', '/user/repos', { name: 'initialized', auto_init: true });
  assert.equal(created.status, 201);
  const org = await rest(full, 'GET', '/users/acme');
  const r = await graphql(full, '{ viewer { id } repository(owner: "alice", name: "initialized") { id owner { id } defaultBranchRef { name } } }');
  assert.equal(r.body.data.repository.id, created.body.node_id);
  assert.equal(r.body.data.repository.owner.id, created.body.owner.node_id);
  assert.equal(r.body.data.viewer.id, created.body.owner.node_id);
  assert.deepEqual(r.body.data.repository.defaultBranchRef, { name: 'main' });

  // The organization's REST node_id is what createRepository takes as ownerId.
  const made = await graphql(full, CREATE, { input: { name: 'via-node-id', visibility: 'PRIVATE', ownerId: org.body.node_id } });
  assert.equal(made.body.errors, undefined, JSON.stringify(made.body));
  assert.equal(made.body.data.createRepository.repository.owner.login, 'acme');
  const viaRest = await rest(full, 'GET', '/repos/acme/via-node-id');
  assert.equal(made.body.data.createRepository.repository.id, viaRest.body.node_id);
  assert.equal(made.body.data.createRepository.repository.url, viaRest.body.html_url);
});

test('a repository the token cannot see is NOT_FOUND, with data.repository null', async () => {
  const r = await graphql(full, REPOSITORY_INFO, { owner: 'bob', name: 'secret' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data, { repository: null });
  assert.equal(r.body.errors!.length, 1);
  assert.equal(r.body.errors![0].type, 'NOT_FOUND');
  assert.deepEqual(r.body.errors![0].path, ['repository']);
  assert.equal(r.body.errors![0].message, "Could not resolve to a Repository with the name 'bob/secret'.");
  const missing = await graphql(full, '{ repository(owner: "bob", name: "never-was") { id } }');
  assert.deepEqual(missing.body.errors![0].type, 'NOT_FOUND', 'absent and invisible look the same');
});

test('a token without repo cannot see its own user\'s private repository, as in REST', async () => {
  const publicOnly = await tokenFor('alice', ['public_repo', 'read:org']);
  const r = await graphql(publicOnly, '{ repository(owner: "alice", name: "mine") { id } }');
  assert.equal(r.body.errors![0].type, 'NOT_FOUND');
  assert.equal((await rest(publicOnly, 'GET', '/repos/alice/mine')).status, 404);
});

test('viewerPermission follows the collaborator level', async () => {
  await createUser(server, { login: 'carol' });
  await server.services.repos.setCollaborator(SYSTEM, (await server.services.repos.store.findByName('bob', 'secret'))!, 'carol', 'read');
  const carol = await tokenFor('carol', ['repo']);
  const r = await graphql(carol, '{ repository(owner: "bob", name: "secret") { viewerPermission isPrivate visibility } }');
  assert.deepEqual(r.body.data.repository, { viewerPermission: 'READ', isPrivate: true, visibility: 'PRIVATE' });
});

test('createRepository of a private repository needs the repo scope: INSUFFICIENT_SCOPES, nothing created', async () => {
  const publicOnly = await tokenFor('alice', ['public_repo']);
  const r = await graphql(publicOnly, CREATE, { input: { name: 'not-made', visibility: 'PRIVATE' } });
  assert.deepEqual(r.body.data, { createRepository: null });
  assert.equal(r.body.errors![0].type, 'INSUFFICIENT_SCOPES');
  assert.match(r.body.errors![0].message, /requires one of the following scopes: \['repo'\]/);
  assert.equal(await server.services.repos.store.findByName('alice', 'not-made'), null);
  const pub = await graphql(publicOnly, CREATE, { input: { name: 'made-public', visibility: 'PUBLIC' } });
  assert.equal(pub.body.errors, undefined, JSON.stringify(pub.body));
  assert.equal((await server.services.repos.store.findByName('alice', 'made-public'))?.private, false);
});

test('createRepository refuses INTERNAL, a taken name, an organization the user is not in, and an unknown ownerId', async () => {
  const internal = await graphql(full, CREATE, { input: { name: 'inside', visibility: 'INTERNAL' } });
  assert.equal(internal.body.errors![0].type, 'UNPROCESSABLE');
  assert.match(internal.body.errors![0].message, /internal/i);
  assert.equal(await server.services.repos.store.findByName('alice', 'inside'), null);

  const taken = await graphql(full, CREATE, { input: { name: 'MINE', visibility: 'PRIVATE' } });
  assert.equal(taken.body.errors![0].type, 'UNPROCESSABLE');
  assert.equal(taken.body.errors![0].message, 'Name already exists on this account');
  assert.deepEqual(taken.body.errors![0].path, ['createRepository']);

  const others = await server.services.accounts.users.findByLogin('others');
  const foreign = await graphql(full, CREATE, { input: { name: 'intruder', visibility: 'PRIVATE', ownerId: Buffer.from(`012:Organization${others!.id}`).toString('base64') } });
  assert.equal(foreign.body.errors![0].type, 'FORBIDDEN');
  assert.equal(await server.services.repos.store.findByName('others', 'intruder'), null);

  const unknown = await graphql(full, CREATE, { input: { name: 'nowhere', visibility: 'PRIVATE', ownerId: 'not-a-node-id' } });
  assert.equal(unknown.body.errors![0].type, 'NOT_FOUND');

  const badEnum = await graphql(full, CREATE, { input: { name: 'x', visibility: 'SECRET' } });
  assert.equal(badEnum.status, 200);
  assert.equal(badEnum.body.data, undefined);
  assert.match(badEnum.body.errors![0].message, /SECRET/);
});

test('a bad token is 401 Bad credentials and no token is 401, never an anonymous answer', async () => {
  const bad = await graphql('ggp_000000000000000000000000000000000000', '{ viewer { login } }');
  assert.equal(bad.status, 401);
  assert.equal(bad.body.message, 'Bad credentials');
  const none = await graphql(null, '{ viewer { login } }');
  assert.equal(none.status, 401);
  assert.equal(none.body.data, undefined);
});

test('syntax errors, oversized queries and missing queries come back as GraphQL errors, not crashes', async () => {
  const syntax = await graphql(full, '{ viewer { login }');
  assert.equal(syntax.status, 200);
  assert.match(syntax.body.errors![0].message, /Syntax Error/);
  assert.ok(syntax.body.errors![0].locations);

  const aliases = Array.from({ length: MAX_FIELDS + 1 }, (_, i) => `a${i}: viewer { login }`).join(' ');
  const big = await graphql(full, `{ ${aliases} }`);
  assert.equal(big.body.data, undefined);
  assert.match(big.body.errors![0].message, /at most/);

  // Fragments spread inside fragments are counted with their multiplicity.
  const nested = `fragment A on Query { v1: viewer { login } v2: viewer { login } v3: viewer { login } v4: viewer { login } }
    fragment B on Query { ...A b1: __typename ...A ...A ...A ...A ...A ...A ...A ...A ...A }
    fragment C on Query { ...B c1: __typename ...B ...B ...B ...B ...B ...B ...B ...B ...B }
    query { ...C }`;
  assert.match((await graphql(full, nested)).body.errors![0].message, /at most/);

  const response = await fetch(`${server.url}/api/graphql`, { method: 'POST', headers: { authorization: `token ${full}` }, body: '{"variables":{}}' });
  assert.equal(response.status, 200);
  assert.match(((await response.json()) as Loose).errors[0].message, /query attribute must be specified/);
  const notJson = await fetch(`${server.url}/api/graphql`, { method: 'POST', headers: { authorization: `token ${full}` }, body: '{nope' });
  assert.equal(notJson.status, 400);
});

test('GraphQL requests count against the same hourly budget as REST', async () => {
  const token = await tokenFor('dave', ['repo', 'read:org']);
  const first = await graphql(token, '{ viewer { login } }');
  assert.equal(first.headers.get('x-ratelimit-limit'), String(RATE_LIMIT));
  assert.equal(first.headers.get('x-ratelimit-used'), '1');
  const second = await rest(token, 'GET', '/user');
  assert.equal(second.status, 200);
  const third = await graphql(token, '{ viewer { login } }');
  assert.equal(third.headers.get('x-ratelimit-used'), '3');
  for (let i = 3; i < RATE_LIMIT; i++) await graphql(token, '{ viewer { login } }');
  const over = await graphql(token, '{ viewer { login } }');
  assert.equal(over.status, 403);
  assert.match(over.body.message ?? '', /API rate limit exceeded/);
  assert.equal((await rest(token, 'GET', '/user')).status, 403);
});
