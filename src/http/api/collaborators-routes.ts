import type { FastifyInstance } from 'fastify';
import { Type } from './json-schema.js';
import { type ApiContext, actorOf } from './api-context.js';
import { notFoundError } from './api-errors.js';
import { PageQuery, paginate } from './pagination.js';
import { githubPermissionName, permissionsObject } from './presenters/repo-presenters.js';
import { presentSimpleUser } from './presenters/user-presenters.js';
import { authorizeRepo } from './repo-helpers.js';
import { RepoParams } from './repos-routes.js';

const CollaboratorParams = Type.Object({ owner: Type.String(), repo: Type.String(), username: Type.String({ minLength: 1 }) });

/** GitHub's permission names onto Gitgate's three levels (maintain and triage round to the nearest). */
const LEVEL = { pull: 'read', triage: 'read', push: 'write', maintain: 'write', admin: 'admin' } as const;

/**
 * Gitgate has no invitations: PUT adds the collaborator at once and answers 204 (GitHub's answer
 * for "already a collaborator"), so `repo:invite` guards nothing yet.
 */
export function registerCollaboratorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { repos } = ctx.services;

  app.get(
    '/v3/repos/:owner/:repo/collaborators',
    {
      config: { scopes: ['public_repo', 'repo'], resource: 'Collaborator' },
      schema: {
        params: RepoParams,
        querystring: Type.Object({ affiliation: Type.Optional(Type.Union(['outside', 'direct', 'all'].map((a) => Type.Literal(a)))), ...PageQuery }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { owner, repo: name } = request.params as { owner: string; repo: string };
      // Listing collaborators needs push access, as on GitHub.
      const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'write');
      const people: { id: number; login: string; permission: 'read' | 'write' | 'admin' }[] = [];
      const ownerUser = await ctx.services.accounts.users.findById(repo.ownerId);
      if (ownerUser && ownerUser.type === 'User') people.push({ id: ownerUser.id, login: ownerUser.login, permission: 'admin' });
      for (const c of await repos.store.listCollaborators(repo.id)) people.push({ id: c.id, login: c.login, permission: c.permission });
      const page = paginate(ctx, request, reply, people, request.query as { per_page?: number; page?: number });
      const out = [];
      for (const person of page) {
        const user = await ctx.services.accounts.users.findById(person.id);
        out.push({
          ...presentSimpleUser(ctx.urls(), user ?? { id: person.id, login: person.login, type: 'User' }),
          permissions: permissionsObject(person.permission),
          role_name: githubPermissionName(person.permission).role_name,
        });
      }
      return out;
    },
  );

  app.put(
    '/v3/repos/:owner/:repo/collaborators/:username',
    {
      config: { scopes: ['public_repo', 'repo'], resource: 'Collaborator' },
      schema: {
        params: CollaboratorParams,
        body: Type.Object({ permission: Type.Optional(Type.Union(Object.keys(LEVEL).map((p) => Type.Literal(p)))) }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { owner, repo: name, username } = request.params as { owner: string; repo: string; username: string };
      const body = (request.body ?? {}) as { permission?: keyof typeof LEVEL };
      const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'read');
      await repos.setCollaborator(actor, repo, username, LEVEL[body.permission ?? 'push']);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/v3/repos/:owner/:repo/collaborators/:username',
    { config: { scopes: ['public_repo', 'repo'], resource: 'Collaborator' }, schema: { params: CollaboratorParams } },
    async (request, reply) => {
      const actor = actorOf(request);
      const { owner, repo: name, username } = request.params as { owner: string; repo: string; username: string };
      const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'read');
      await repos.setCollaborator(actor, repo, username, null);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v3/repos/:owner/:repo/collaborators/:username/permission',
    { config: { scopes: ['repo'], resource: 'Collaborator' }, schema: { params: CollaboratorParams } },
    async (request, reply) => {
      const actor = actorOf(request);
      const { owner, repo: name, username } = request.params as { owner: string; repo: string; username: string };
      const { repo } = await authorizeRepo(ctx, actor, reply, owner, name, 'read');
      const user = await ctx.services.accounts.users.findByLogin(username);
      if (user?.type !== 'User') throw notFoundError();
      const permission = await repos.store.permissionOf(user.id, repo);
      const names = githubPermissionName(permission);
      return {
        permission: names.permission,
        role_name: names.role_name,
        user: { ...presentSimpleUser(ctx.urls(), user), permissions: permissionsObject(permission), role_name: names.role_name },
      };
    },
  );
}
