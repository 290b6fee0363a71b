import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import type { Services } from '../../../domain/services.js';
import { setTokenHeaders } from '../../token-headers.js';
import { createApiContext, resolveApiActor } from '../api-context.js';
import { apiErrorHandler } from '../api-errors.js';
import { readBodiesAsJson } from '../json-body.js';
import { applyRateLimit } from '../rate-limit-routes.js';
import { rateLimiterFor } from '../rate-limiter.js';
import type { GraphQLContext } from './graphql-context.js';
import type { ErrorItem } from './graphql-errors.js';
import type { GraphQLExecutor } from './graphql-executor.js';

/** A document longer than this is refused before parsing; gh's largest query is a few hundred tokens. */
const MAX_TOKENS = 5000;
/** Fields per operation, fragments expanded: every field may cost a query, so aliases cannot multiply it. */
export const MAX_FIELDS = 300;

const AUTH_DOCS = 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql';

interface GraphQLBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/**
 * GitHub's GraphQL endpoint, POST /api/graphql, answered by graphql-js's executor over a small
 * schema. Same credential rules, same policy and the same hourly budget as the REST API; errors
 * come back as HTTP 200 with GitHub's `{type, path, locations, message}` items.
 */
export async function graphqlRoutes(app: FastifyInstance, options: { services: Services; config: Config }) {
  const { services, config } = options;
  // graphql-js and the schema load on the first GraphQL request (see graphql-executor.ts).
  let executor: Promise<GraphQLExecutor> | null = null;
  const executorOf = () => {
    executor ??= import('./graphql-executor.js').then((module) => module.createGraphQLExecutor());
    return executor;
  };
  const limiter = rateLimiterFor(services);
  const ctx = createApiContext(services, config, limiter);
  limiter.start();
  app.addHook('onClose', async () => limiter.stop());
  app.setErrorHandler(apiErrorHandler);
  // As GitHub does: the body is JSON whatever the Content-Type says (curl -d sends a form type).
  readBodiesAsJson(app);

  app.post('/graphql', { config: { scopes: [] } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = await resolveApiActor(request, reply, services);
    if (!actor) return reply;
    if (!applyRateLimit(ctx, request, reply, actor)) return reply;
    if (actor.kind !== 'user') {
      return reply.code(401).type('application/json; charset=utf-8').send({ message: 'This endpoint requires you to be authenticated.', documentation_url: AUTH_DOCS });
    }
    setTokenHeaders(reply, actor, []);

    const answer = (body: { data?: unknown; errors?: ErrorItem[] }) => reply.code(200).type('application/json; charset=utf-8').send(body);
    const fail = (message: string) => answer({ errors: [{ message }] });

    const body = (request.body ?? {}) as GraphQLBody;
    if (typeof body !== 'object' || typeof body.query !== 'string') return fail('A query attribute must be specified and must be a string.');
    const variables = parseVariables(body.variables);
    if (variables === undefined) return fail('Variables are invalid JSON.');
    const operationName = typeof body.operationName === 'string' && body.operationName !== '' ? body.operationName : undefined;

    const contextValue: GraphQLContext = { actor, services, urls: ctx.urls(), branchCache: new Map() };
    const run = await executorOf();
    const logUnexpected = (error: unknown) => request.log.error({ err: error }, 'unhandled GraphQL resolver error');
    return answer(await run({ query: body.query, variables, operationName, contextValue, maxTokens: MAX_TOKENS, maxFields: MAX_FIELDS, logUnexpected }));
  });
}

/** `variables` as an object; some clients send it as a JSON string. Undefined when unusable. */
function parseVariables(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    try {
      return parseVariables(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

