import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from './json-schema.js';
import type { User } from '../../domain/accounts/user-store.js';
import { hasScope, type UserActor } from '../../domain/auth/actor.js';
import type { RepoCounts } from '../../domain/repos/repo-store.js';
import { canUseScopes, enforce } from '../../domain/auth/policy.js';
import { type ApiContext, actorOf } from './api-context.js';
import { notFoundError } from './api-errors.js';
import { stampReadingOf } from '../request-auth.js';
import { presentPrivateUser, presentPublicUser, presentSimpleUser } from './presenters/user-presenters.js';

const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }) });

export function registerUserRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Repository counts for a profile; the private count is shown only to the user themselves.
  // Read under the request's stamp reading, unless the route has written since it was taken.
  const repoCounts = (userId: number, request?: FastifyRequest) => ctx.services.repos.store.countByOwner(userId, request && stampReadingOf(request));

  // GET /user is every client's first call (gh, Octokit, CI checks). Its answer is a function of the
  // user and the counts, which are the same objects while their rows are unchanged (see the token
  // store and createReadCache): the JSON is then written once, not per request.
  const answers = new WeakMap<User, { counts: RepoCounts; full: boolean; json: string }>();
  const answerFor = (actor: UserActor, counts: RepoCounts) => {
    // Private profile data (email, private repository counts) needs read:user, as on GitHub.
    const full = hasScope(actor, 'read:user');
    let answer = answers.get(actor.user);
    if (!answer || answer.counts !== counts || answer.full !== full) {
      const body = full ? presentPrivateUser(ctx.urls(), actor.user, counts) : presentPublicUser(ctx.urls(), actor.user, counts);
      answer = { counts, full, json: JSON.stringify(body) };
      answers.set(actor.user, answer);
    }
    return answer.json;
  };
  // Not an async handler: counts held in memory are answered without a promise (see
  // createReadCache), so a hot token's GET /user is sent in the turn it arrived in.
  app.get('/v3/user', { config: { scopes: [], resource: 'User' } }, (request, reply) => {
    const actor = actorOf(request);
    enforce(canUseScopes(actor, []));
    if (actor.kind !== 'user') throw notFoundError();
    const counts = repoCounts(actor.user.id, request);
    reply.type('application/json; charset=utf-8');
    if (counts instanceof Promise) return counts.then((known) => reply.send(answerFor(actor, known)));
    reply.send(answerFor(actor, counts));
  });

  app.patch(
    '/v3/user',
    {
      config: { scopes: ['user'], resource: 'User' },
      schema: {
        body: Type.Object({
          name: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
          email: Type.Optional(Type.String()),
          blog: Type.Optional(Type.String()),
          twitter_username: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          company: Type.Optional(Type.String()),
          location: Type.Optional(Type.String()),
          hireable: Type.Optional(Type.Boolean()),
          bio: Type.Optional(Type.String()),
        }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      enforce(canUseScopes(actor, ['user']));
      if (actor.kind !== 'user') throw notFoundError();
      const body = request.body as { name?: string | null; email?: string };
      const changes: { name?: string | null; email?: string } = {};
      if (body.name !== undefined) changes.name = body.name;
      if (body.email !== undefined) changes.email = body.email;
      const user = await ctx.services.accounts.updateProfile(actor.user, changes, { id: actor.user.id, login: actor.user.login });
      return presentPrivateUser(ctx.urls(), user, await repoCounts(user.id));
    },
  );

  app.get('/v3/user/emails', { config: { scopes: ['user:email'], resource: 'User' } }, async (request) => {
    const actor = actorOf(request);
    enforce(canUseScopes(actor, ['user:email']));
    if (actor.kind !== 'user' || !actor.user.email) return [];
    // Gitgate keeps one address per account, confirmed by the administrator who created it.
    return [{ email: actor.user.email, primary: true, verified: true, visibility: 'private' }];
  });

  app.get('/v3/users/:username', { config: { scopes: [], resource: 'User' }, schema: { params: UsernameParams } }, async (request) => {
    const { username } = request.params as { username: string };
    const user = await ctx.services.accounts.users.findByLogin(username, stampReadingOf(request));
    if (!user) throw notFoundError();
    return presentPublicUser(ctx.urls(), user, await repoCounts(user.id, request));
  });

  app.get(
    '/v3/users',
    {
      config: { scopes: [], resource: 'User' },
      schema: { querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), per_page: Type.Optional(Type.Integer({ minimum: 1 })) }) },
    },
    async (request, reply) => {
      const query = request.query as { since?: number; per_page?: number };
      const perPage = Math.min(100, query.per_page ?? 30);
      const users = await ctx.services.accounts.users.list({ since: query.since ?? 0, limit: perPage + 1 });
      const page = users.slice(0, perPage);
      // GitHub pages this list by id (`since`), not by page number.
      if (users.length > perPage) {
        const last = page[page.length - 1]!;
        reply.header('link', `<${ctx.urls().api}/users?per_page=${perPage}&since=${last.id}>; rel="next"`);
      }
      return page.map((u) => presentSimpleUser(ctx.urls(), u));
    },
  );
}
