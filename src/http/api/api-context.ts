import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { ANONYMOUS, type Actor } from '../../domain/auth/actor.js';
import type { AuthResult } from '../../domain/auth/authenticate.js';
import type { Services } from '../../domain/services.js';
import { type MaybeAsync, whenReady } from '../../db/read-cache.js';
import { authenticateHeader } from '../request-auth.js';
import { sendApiError } from './api-errors.js';
import { type UrlBase, urlBase } from './presenters/urls.js';
import type { RateLimiter } from './rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The scopes a route accepts (its X-Accepted-OAuth-Scopes), declared where the route is. The
     * policy decides; this is what the route tells clients and what the scope matrix checks.
     */
    scopes?: readonly string[];
    /** GitHub's `resource` name in 422 errors (`Repository`, `User`, ...). */
    resource?: string;
    /**
     * For a route ending in `*` that stands for one named parameter which may hold `/` (a branch or
     * ref): its name, so the OpenAPI document and the scope matrix see GitHub's `{branch}` shape.
     */
    wildcardAs?: string;
  }
}

/** What every API route module gets: the domain services, the config and the shared rate limiter. */
export interface ApiContext {
  services: Services;
  config: Config;
  limiter: RateLimiter;
  urls(): UrlBase;
}

export function createApiContext(services: Services, config: Config, limiter: RateLimiter): ApiContext {
  return { services, config, limiter, urls: () => urlBase(config) };
}

/** The actor an API request acts as, once `resolveApiActor` has run (before any handler). */
export function actorOf(request: FastifyRequest): Actor {
  return request.authResult?.ok ? request.authResult.actor : ANONYMOUS;
}

/**
 * Authenticates the Authorization header (never a cookie: a browser session cannot be abused
 * cross-site) and answers GitHub's refusal itself when a credential is present but bad. Returns
 * the actor, or null when the reply was sent; without a promise for a token held in memory. Shared
 * by REST and GraphQL.
 */
export function resolveApiActor(request: FastifyRequest, reply: FastifyReply, services: Services): MaybeAsync<Actor | null> {
  return whenReady(authenticateHeader(request, services), actorOrRefusal, reply);
}

function actorOrRefusal(result: AuthResult, reply: FastifyReply): Actor | null {
  if (result.ok) return result.actor;
  const failure = result.failure;
  switch (failure.reason) {
    case 'bad_credentials':
      sendApiError(reply, 401, 'Bad credentials');
      break;
    case 'password_auth_disabled':
      sendApiError(reply, 401, 'Password authentication is not enabled on this server: use a personal access token.');
      break;
    case 'suspended':
      sendApiError(reply, 403, 'Sorry. Your account was suspended.');
      break;
    case 'throttled':
      reply.header('retry-after', String(failure.retryAfterSeconds));
      sendApiError(reply, 429, 'Too many failed authentication attempts. Try again later.');
      break;
  }
  return null;
}
