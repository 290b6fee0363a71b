import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import type { Actor } from '../../domain/auth/actor.js';
import { setTokenHeaders } from '../token-headers.js';
import { registerAdminRoutes } from './admin-routes.js';
import { actorOf, createApiContext, resolveApiActor } from './api-context.js';
import { apiErrorHandler, sendApiError } from './api-errors.js';
import { registerCollaboratorRoutes } from './collaborators-routes.js';
import { registerContentRoutes } from './contents-routes.js';
import { registerCredentialRoutes } from './credentials-routes.js';
import { etagOnSend } from './etag.js';
import { readBodiesAsJson } from './json-body.js';
import { buildOpenApiDocument, type RegisteredRoute } from './openapi-document.js';
import { registerOrgRoutes } from './orgs-routes.js';
import { applyRateLimit, registerRateLimitRoutes } from './rate-limit-routes.js';
import { rateLimiterFor } from './rate-limiter.js';
import { registerRepoRoutes } from './repos-routes.js';
import { registerRootRoutes } from './root-routes.js';
import { registerUserRoutes } from './users-routes.js';

const registries = new WeakMap<object, RegisteredRoute[]>();

/** Every route the API registered for a service graph: the scope matrix test checks each has its rules. */
export function registeredApiRoutes(services: Services): readonly RegisteredRoute[] {
  return registries.get(services) ?? [];
}

/**
 * No body is an empty object (Octokit sends none for a bare PUT): required fields then answer 422
 * missing_field, as on GitHub, instead of a schema error about the body itself. Added to the routes
 * that take a body only.
 */
function emptyBodyAsObject(request: FastifyRequest, _reply: FastifyReply, done: () => void) {
  if (request.body === undefined || request.body === null) request.body = {};
  done();
}

/** A wildcard route that stands for a named parameter is reported under that name (`/branches/*` -> `/branches/:branch`). */
function reportedShape(url: string, schema: RegisteredRoute['schema'], name: string | undefined): Pick<RegisteredRoute, 'url' | 'schema'> {
  if (!name || !url.endsWith('*')) return { url, schema };
  const { '*': wildcard, ...rest } = schema?.params?.properties ?? {};
  const required = schema?.params?.required?.map((key) => (key === '*' ? name : key));
  const params = schema?.params && wildcard ? { ...schema.params, properties: { ...rest, [name]: wildcard }, ...(required ? { required } : {}) } : schema?.params;
  return { url: `${url.slice(0, -1)}:${name}`, schema: schema && { ...schema, params } };
}

const identityOf = (request: FastifyRequest) => {
  const actor = actorOf(request);
  return actor.kind === 'user' ? `user:${actor.user.id}:${actor.token?.scopes.join(',') ?? '*'}` : 'anonymous';
};

/** The REST API at /api/v3 (GitHub's dialect). Registered with prefix `/api`, so routes start `/v3`. */
export async function apiRoutes(app: FastifyInstance, options: { services: Services; config: Config }) {
  const { services, config } = options;
  const limiter = rateLimiterFor(services);
  const ctx = createApiContext(services, config, limiter);
  const routes: RegisteredRoute[] = [];
  registries.set(services, routes);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || !route.url.startsWith('/api/v3')) continue;
      routes.push({ method, scopes: route.config?.scopes ?? [], ...reportedShape(route.url, route.schema as RegisteredRoute['schema'], route.config?.wildcardAs) });
    }
    if (route.schema?.body) route.preValidation = [emptyBodyAsObject, ...[route.preValidation ?? []].flat()];
  });

  readBodiesAsJson(app);
  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler((_request, reply) => sendApiError(reply, 404, 'Not Found'));

  // One hook, run on every API request: who is asking, their budget, and (for a token) the token
  // headers with the route's declared scopes, which routes whose accepted scopes depend on the
  // resource (public or private) refine. Whether to go on, or the reply was sent (401, 403, 429).
  const admit = (request: FastifyRequest, reply: FastifyReply, actor: Actor | null): boolean => {
    if (!actor || !applyRateLimit(ctx, request, reply, actor)) return false;
    setTokenHeaders(reply, actor, request.routeOptions.config?.scopes ?? []);
    return true;
  };
  // A callback hook: a token held in memory is admitted with no promise at all (see createReadCache).
  // A hook that sent the reply does not call `done`; a failure, thrown or rejected, goes to `done`.
  app.addHook('onRequest', (request, reply, done) => {
    const actor = resolveApiActor(request, reply, services);
    if (!(actor instanceof Promise)) {
      if (admit(request, reply, actor)) done();
      return;
    }
    actor
      .then((known) => admit(request, reply, known))
      .then((admitted) => {
        if (admitted) done();
      }, done);
  });
  app.addHook('onSend', etagOnSend(identityOf));

  limiter.start();
  app.addHook('onClose', async () => limiter.stop());

  registerRootRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerRepoRoutes(app, ctx);
  registerContentRoutes(app, ctx);
  registerCollaboratorRoutes(app, ctx);
  registerOrgRoutes(app, ctx);
  registerRateLimitRoutes(app, ctx);
  registerCredentialRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  app.get('/v3/openapi.json', { config: { scopes: [] } }, async () => buildOpenApiDocument(routes, ctx.urls().api));
}
