import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/auth/actor.js';
import type { ApiContext } from './api-context.js';
import { actorOf } from './api-context.js';
import { sendApiError } from './api-errors.js';
import type { RateLimitState } from './rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** True for routes that do not cost a request (GET /rate_limit, as on GitHub). */
    rateLimitFree?: boolean;
  }
}

function budgetOf(ctx: ApiContext, request: FastifyRequest, actor: Actor): { key: string; limit: number } | null {
  if (ctx.config.rateLimitPerHour === null) return null;
  if (actor.kind === 'user') return { key: `api:user:${actor.user.id}`, limit: ctx.config.rateLimitPerHour };
  return { key: `api:ip:${request.ip}`, limit: ctx.config.anonymousRateLimitPerHour };
}

function setRateHeaders(reply: FastifyReply, state: RateLimitState): void {
  reply.header('x-ratelimit-limit', String(state.limit));
  reply.header('x-ratelimit-remaining', String(state.remaining));
  reply.header('x-ratelimit-used', String(state.used));
  reply.header('x-ratelimit-reset', String(state.reset));
  reply.header('x-ratelimit-resource', 'core');
}

/**
 * Counts the request against the actor's hourly budget and sets GitHub's X-RateLimit-* headers.
 * Over budget: GitHub's 403 (not the 429 of the authentication-failure throttle). Returns false
 * when the reply was sent.
 */
export function applyRateLimit(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, actor: Actor): boolean {
  const budget = budgetOf(ctx, request, actor);
  if (!budget) return true;
  const free = request.routeOptions.config?.rateLimitFree === true;
  const state = free ? ctx.limiter.peek(budget.key, budget.limit) : ctx.limiter.hit(budget.key, budget.limit);
  setRateHeaders(reply, state);
  if (!state.exceeded) return true;
  const who =
    actor.kind === 'user'
      ? `user ID ${actor.user.id}.`
      : `${request.ip}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)`;
  sendApiError(reply, 403, `API rate limit exceeded for ${who}`);
  return false;
}

export function registerRateLimitRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v3/rate_limit', { config: { scopes: [], rateLimitFree: true } }, async (request, reply) => {
    const budget = budgetOf(ctx, request, actorOf(request));
    if (!budget) return sendApiError(reply, 404, 'Rate limiting is not enabled.');
    const state = ctx.limiter.peek(budget.key, budget.limit);
    const rate = { limit: state.limit, remaining: state.remaining, reset: state.reset, used: state.used, resource: 'core' };
    // Gitgate has one budget; search and GraphQL report the same numbers.
    return { resources: { core: rate, search: { ...rate, resource: 'search' }, graphql: { ...rate, resource: 'graphql' } }, rate };
  });
}
