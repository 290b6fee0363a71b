import type { FastifyInstance } from 'fastify';
import { Type } from './json-schema.js';
import { canUseScopes, enforce } from '../../domain/auth/policy.js';
import { type ApiContext, actorOf } from './api-context.js';
import { notFoundError } from './api-errors.js';
import { PageQuery, paginate } from './pagination.js';
import { presentOrgFull, presentOrgMembership, presentOrgSimple } from './presenters/org-presenters.js';
import { presentSimpleUser } from './presenters/user-presenters.js';
import { stampReadingOf } from '../request-auth.js';

const OrgParams = Type.Object({ org: Type.String({ minLength: 1 }) });
const MembershipParams = Type.Object({ org: Type.String({ minLength: 1 }), username: Type.String({ minLength: 1 }) });

/** Organizations are public; changing membership needs `admin:org` and ownership (the policy decides). */
export function registerOrgRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { orgs, accounts } = ctx.services;

  app.get('/v3/user/orgs', { config: { scopes: [], resource: 'Organization' }, schema: { querystring: Type.Object(PageQuery) } }, async (request, reply) => {
    const actor = actorOf(request);
    enforce(canUseScopes(actor, []));
    if (actor.kind !== 'user') throw notFoundError();
    const memberships = await orgs.orgsOf(actor.user.id);
    return paginate(ctx, request, reply, memberships, request.query as { per_page?: number; page?: number }).map((m) => presentOrgSimple(ctx.urls(), m.org));
  });

  app.get(
    '/v3/user/memberships/orgs',
    {
      config: { scopes: ['read:org'], resource: 'OrganizationMembership' },
      schema: { querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('pending')])), ...PageQuery }) },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      enforce(canUseScopes(actor, ['read:org']));
      if (actor.kind !== 'user') throw notFoundError();
      const query = request.query as { state?: string; per_page?: number; page?: number };
      const memberships = query.state === 'pending' ? [] : await orgs.orgsOf(actor.user.id);
      return paginate(ctx, request, reply, memberships, query).map((m) => presentOrgMembership(ctx.urls(), m.org, actor.user, m.role));
    },
  );

  app.get('/v3/orgs/:org', { config: { scopes: [], resource: 'Organization' }, schema: { params: OrgParams } }, async (request) => {
    const org = await orgs.getOrg((request.params as { org: string }).org);
    return presentOrgFull(ctx.urls(), org, await ctx.services.repos.store.countByOwner(org.id, stampReadingOf(request)));
  });

  app.get(
    '/v3/orgs/:org/members',
    {
      config: { scopes: [], resource: 'Organization' },
      schema: {
        params: OrgParams,
        querystring: Type.Object({ role: Type.Optional(Type.Union(['all', 'admin', 'member'].map((r) => Type.Literal(r)))), filter: Type.Optional(Type.String()), ...PageQuery }),
      },
    },
    async (request, reply) => {
      const query = request.query as { role?: string; per_page?: number; page?: number };
      let members = await orgs.members((request.params as { org: string }).org);
      if (query.role === 'admin') members = members.filter((m) => m.role === 'owner');
      if (query.role === 'member') members = members.filter((m) => m.role === 'member');
      return paginate(ctx, request, reply, members, query).map((m) => presentSimpleUser(ctx.urls(), m.user));
    },
  );

  app.put(
    '/v3/orgs/:org/memberships/:username',
    {
      config: { scopes: ['admin:org'], resource: 'OrganizationMembership' },
      schema: { params: MembershipParams, body: Type.Object({ role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])) }) },
    },
    async (request) => {
      const actor = actorOf(request);
      const { org: orgLogin, username } = request.params as { org: string; username: string };
      const role = ((request.body ?? {}) as { role?: 'admin' | 'member' }).role === 'admin' ? 'owner' : 'member';
      await orgs.setMember(actor, orgLogin, username, role);
      const org = await orgs.getOrg(orgLogin);
      const user = await accounts.getUser(username);
      return presentOrgMembership(ctx.urls(), org, user, role);
    },
  );

  app.delete(
    '/v3/orgs/:org/memberships/:username',
    { config: { scopes: ['admin:org'], resource: 'OrganizationMembership' }, schema: { params: MembershipParams } },
    async (request, reply) => {
      const actor = actorOf(request);
      const { org, username } = request.params as { org: string; username: string };
      await orgs.removeMember(actor, org, username);
      return reply.code(204).send();
    },
  );
}
