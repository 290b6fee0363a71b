import type { FastifyInstance } from 'fastify';
import { Type } from './json-schema.js';
import { canAdministerSite, enforce } from '../../domain/auth/policy.js';
import { toApiTime, toApiTimeOrNull } from '../../lib/time.js';
import { type ApiContext, actorOf } from './api-context.js';
import { ApiError, notFoundError } from './api-errors.js';
import { PageQuery, paginate } from './pagination.js';
import { presentSimpleUser } from './presenters/user-presenters.js';

/** The site administration API: `site_admin` scope on a site administrator's token (the policy decides). */
export function registerAdminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { accounts, tokens } = ctx.services;

  const requireAdmin = (request: Parameters<typeof actorOf>[0]) => {
    const actor = actorOf(request);
    enforce(canAdministerSite(actor));
    if (actor.kind !== 'user') throw notFoundError();
    return actor;
  };

  app.post(
    '/v3/admin/users',
    {
      config: { scopes: ['site_admin'], resource: 'User' },
      schema: { body: Type.Object({ login: Type.String({ minLength: 1 }), email: Type.String({ minLength: 3 }), suspended: Type.Optional(Type.Boolean()) }) },
    },
    async (request, reply) => {
      const actor = requireAdmin(request);
      const body = request.body as { login: string; email: string; suspended?: boolean };
      const auditActor = { id: actor.user.id, login: actor.user.login };
      // No password: the new user signs in through a password reset or gets tokens from an administrator.
      let user = await accounts.createUser({ login: body.login, email: body.email, password: null }, auditActor);
      if (body.suspended) user = await accounts.suspend(user.login, auditActor);
      reply.code(201);
      return presentSimpleUser(ctx.urls(), user);
    },
  );

  app.delete(
    '/v3/admin/users/:username',
    { config: { scopes: ['site_admin'], resource: 'User' }, schema: { params: Type.Object({ username: Type.String({ minLength: 1 }) }) } },
    async (request, reply) => {
      const actor = requireAdmin(request);
      const { username } = request.params as { username: string };
      if (username.toLowerCase() === actor.user.login.toLowerCase()) {
        throw new ApiError(422, 'Validation Failed', [{ resource: 'User', field: 'login', code: 'custom', message: 'You cannot delete yourself.' }]);
      }
      await accounts.deleteUser(username, { id: actor.user.id, login: actor.user.login });
      return reply.code(204).send();
    },
  );

  app.get(
    '/v3/admin/tokens',
    { config: { scopes: ['site_admin'], resource: 'Token' }, schema: { querystring: Type.Object({ user: Type.Optional(Type.String()), ...PageQuery }) } },
    async (request, reply) => {
      requireAdmin(request);
      const query = request.query as { user?: string; per_page?: number; page?: number };
      const all = await tokens.listAll(query.user ? { login: query.user } : {});
      const page = paginate(ctx, request, reply, all, query);
      // One lookup per owner, not per token: a user may hold many tokens.
      const owners = new Map<number, Awaited<ReturnType<typeof accounts.users.findById>>>();
      const out = [];
      for (const t of page) {
        if (!owners.has(t.userId)) owners.set(t.userId, await accounts.users.findById(t.userId));
        const owner = owners.get(t.userId);
        out.push({
          id: t.id,
          url: `${ctx.urls().api}/admin/tokens/${t.id}`,
          // The secret is never stored, so it can never be shown: GitHub's answer for an old token too.
          token: '',
          token_last_eight: null,
          hashed_token: null,
          fingerprint: null,
          app: { name: 'Personal access token', url: `${ctx.urls().web}/settings/tokens`, client_id: 'gitgate' },
          note: t.note,
          note_url: null,
          scopes: t.scopes,
          created_at: toApiTime(t.createdAt),
          updated_at: toApiTime(t.regeneratedAt ?? t.createdAt),
          expires_at: toApiTimeOrNull(t.expiresAt),
          ...(owner ? { user: presentSimpleUser(ctx.urls(), owner) } : {}),
        });
      }
      return out;
    },
  );

  app.delete(
    '/v3/admin/tokens/:id',
    { config: { scopes: ['site_admin'], resource: 'Token' }, schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    async (request, reply) => {
      const actor = requireAdmin(request);
      await tokens.revokeById((request.params as { id: number }).id, { id: actor.user.id, login: actor.user.login }, 'revoked_by_admin');
      return reply.code(204).send();
    },
  );
}
