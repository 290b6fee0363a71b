import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from './json-schema.js';
import { canUseScopes, enforce, scopesForRepoAction } from '../../domain/auth/policy.js';
import { createInitialCommit } from '../../git/repo-init.js';
import { setTokenHeaders } from '../token-headers.js';
import { type ApiContext, actorOf } from './api-context.js';
import { ApiError, notFoundError } from './api-errors.js';
import { PageQuery, paginate } from './pagination.js';
import { authorizeRepo, presentOneRepo, presentRepos, type RepoSort, sortRepos } from './repo-helpers.js';

export const RepoParams = Type.Object({ owner: Type.String({ minLength: 1 }), repo: Type.String({ minLength: 1 }) });

const SortQuery = {
  sort: Type.Optional(Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('pushed'), Type.Literal('full_name')])),
  direction: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
};

const NewRepoBody = Type.Object({
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  homepage: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  private: Type.Optional(Type.Boolean()),
  visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private'), Type.Literal('internal')])),
  auto_init: Type.Optional(Type.Boolean()),
});

type NewRepoInput = { name: string; description?: string | null; private?: boolean; visibility?: string; auto_init?: boolean };

const isPrivateRequested = (body: NewRepoInput) => body.private ?? (body.visibility !== undefined ? body.visibility !== 'public' : false);

export function registerRepoRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { repos, orgs } = ctx.services;

  async function createRepo(actor: ReturnType<typeof actorOf>, ownerLogin: string, body: NewRepoInput) {
    const repo = await repos.create(actor, ownerLogin, { name: body.name, description: body.description, private: isPrivateRequested(body) });
    if (body.auto_init && actor.kind === 'user') {
      const text = `# ${repo.name}\n${repo.description ? `\n${repo.description}\n` : ''}`;
      await createInitialCommit(repos.storage.pathOf(repo.owner, repo.name), {
        branch: repo.defaultBranch,
        files: [{ path: 'README.md', content: text }],
        message: 'Initial commit',
        author: { name: actor.user.name ?? actor.user.login, email: actor.user.email ?? `${actor.user.login}@users.noreply` },
        date: ctx.services.clock.now(),
      });
    }
    return repo;
  }

  app.get(
    '/v3/user/repos',
    {
      config: { scopes: [], resource: 'Repository' },
      schema: {
        querystring: Type.Object({
          visibility: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('public'), Type.Literal('private')])),
          affiliation: Type.Optional(Type.String({ pattern: '^(owner|collaborator|organization_member)(,(owner|collaborator|organization_member))*$' })),
          type: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('owner'), Type.Literal('public'), Type.Literal('private'), Type.Literal('member')])),
          ...SortQuery,
          ...PageQuery,
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      enforce(canUseScopes(actor, []));
      if (actor.kind !== 'user') throw notFoundError();
      const query = request.query as { visibility?: string; affiliation?: string; type?: string; sort?: RepoSort; direction?: 'asc' | 'desc'; per_page?: number; page?: number };
      if (query.type && (query.visibility || query.affiliation)) {
        throw new ApiError(422, 'If you specify visibility or affiliation, you cannot specify type.', [
          { resource: 'Repository', field: 'type', code: 'invalid' },
        ]);
      }
      const memberOf = new Set((await orgs.orgsOf(actor.user.id)).map((m) => m.org.id));
      const affiliationOf = (ownerId: number) => (ownerId === actor.user.id ? 'owner' : memberOf.has(ownerId) ? 'organization_member' : 'collaborator');
      let visibility = query.visibility ?? 'all';
      let affiliations = new Set((query.affiliation ?? 'owner,collaborator,organization_member').split(','));
      if (query.type === 'owner') affiliations = new Set(['owner']);
      if (query.type === 'member') affiliations = new Set(['collaborator', 'organization_member']);
      if (query.type === 'public' || query.type === 'private') visibility = query.type;
      const list = (await repos.listForMember(actor, actor.user.id)).filter(
        (r) => affiliations.has(affiliationOf(r.ownerId)) && (visibility === 'all' || (visibility === 'private') === r.private),
      );
      return presentRepos(ctx, actor, paginate(ctx, request, reply, sortRepos(list, query.sort, query.direction), query));
    },
  );

  app.post('/v3/user/repos', { config: { scopes: ['public_repo', 'repo'], resource: 'Repository' }, schema: { body: NewRepoBody } }, async (request, reply) => {
    const actor = actorOf(request);
    enforce(canUseScopes(actor, []));
    if (actor.kind !== 'user') throw notFoundError();
    const body = request.body as NewRepoInput;
    setTokenHeaders(reply, actor, scopesForRepoAction('write', isPrivateRequested(body)));
    const repo = await createRepo(actor, actor.user.login, body);
    reply.code(201).header('location', `${ctx.urls().api}/repos/${repo.fullName}`);
    return presentOneRepo(ctx, actor, repo);
  });

  const OwnerListQuery = Type.Object({
    type: Type.Optional(Type.Union(['all', 'owner', 'member', 'public', 'private', 'forks', 'sources'].map((t) => Type.Literal(t)))),
    ...SortQuery,
    ...PageQuery,
  });
  type OwnerListQueryT = { type?: string; sort?: RepoSort; direction?: 'asc' | 'desc'; per_page?: number; page?: number };

  const listOwned = async (owner: string, request: FastifyRequest, reply: FastifyReply) => {
    const actor = actorOf(request);
    const query = request.query as OwnerListQueryT;
    let list = await repos.listForOwner(actor, owner);
    if (query.type === 'public' || query.type === 'private') list = list.filter((r) => r.private === (query.type === 'private'));
    if (query.type === 'forks') list = [];
    return presentRepos(ctx, actor, paginate(ctx, request, reply, sortRepos(list, query.sort ?? 'full_name', query.direction), query));
  };

  app.get(
    '/v3/users/:username/repos',
    { config: { scopes: [], resource: 'Repository' }, schema: { params: Type.Object({ username: Type.String() }), querystring: OwnerListQuery } },
    async (request, reply) => {
      const { username } = request.params as { username: string };
      const user = await ctx.services.accounts.users.findByLogin(username);
      if (!user) throw notFoundError();
      return listOwned(user.login, request, reply);
    },
  );

  app.get(
    '/v3/orgs/:org/repos',
    { config: { scopes: [], resource: 'Repository' }, schema: { params: Type.Object({ org: Type.String() }), querystring: OwnerListQuery } },
    async (request, reply) => {
      const org = await orgs.getOrg((request.params as { org: string }).org);
      return listOwned(org.login, request, reply);
    },
  );

  app.post(
    '/v3/orgs/:org/repos',
    { config: { scopes: ['public_repo', 'repo'], resource: 'Repository' }, schema: { params: Type.Object({ org: Type.String() }), body: NewRepoBody } },
    async (request, reply) => {
      const actor = actorOf(request);
      const org = await orgs.getOrg((request.params as { org: string }).org);
      const body = request.body as NewRepoInput;
      setTokenHeaders(reply, actor, scopesForRepoAction('write', isPrivateRequested(body)));
      const repo = await createRepo(actor, org.login, body);
      reply.code(201).header('location', `${ctx.urls().api}/repos/${repo.fullName}`);
      return presentOneRepo(ctx, actor, repo);
    },
  );

  app.get('/v3/repos/:owner/:repo', { config: { scopes: ['repo'], resource: 'Repository' }, schema: { params: RepoParams } }, async (request, reply) => {
    const actor = actorOf(request);
    const { owner, repo: name } = request.params as { owner: string; repo: string };
    const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'read');
    return presentOneRepo(ctx, actor, repo);
  });

  app.patch(
    '/v3/repos/:owner/:repo',
    {
      config: { scopes: ['public_repo', 'repo'], resource: 'Repository' },
      schema: {
        params: RepoParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1 })),
          description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          homepage: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          private: Type.Optional(Type.Boolean()),
          visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private'), Type.Literal('internal')])),
          default_branch: Type.Optional(Type.String({ minLength: 1 })),
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { owner, repo: name } = request.params as { owner: string; repo: string };
      const body = request.body as { name?: string; description?: string | null; private?: boolean; visibility?: string; default_branch?: string };
      const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'read');
      const makePrivate = body.private ?? (body.visibility !== undefined ? body.visibility !== 'public' : undefined);
      setTokenHeaders(reply, actor, scopesForRepoAction('admin', repo.private || makePrivate === true));
      const updated = await repos.update(actor, repo, {
        name: body.name,
        description: body.description,
        private: makePrivate,
        defaultBranch: body.default_branch,
      });
      return presentOneRepo(ctx, actor, updated);
    },
  );

  app.delete('/v3/repos/:owner/:repo', { config: { scopes: ['delete_repo'], resource: 'Repository' }, schema: { params: RepoParams } }, async (request, reply) => {
    const actor = actorOf(request);
    const { owner, repo: name } = request.params as { owner: string; repo: string };
    const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'read');
    setTokenHeaders(reply, actor, ['delete_repo']);
    await repos.delete(actor, repo);
    return reply.code(204).send();
  });
}
