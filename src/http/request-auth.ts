import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type MaybeAsync, type StampReading, whenReady } from '../db/read-cache.js';
import type { AuthResult } from '../domain/auth/authenticate.js';
import { parseAuthorization } from '../domain/auth/credentials.js';
import type { Services } from '../domain/services.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Authorization header's outcome, once authenticated (see authenticateHeader). */
    authResult: AuthResult | null;
    /** The request's one reading of the database's change stamp (see stampReadingOf). */
    stampReading: StampReading | null;
  }
}

/**
 * Declares the fields above on every request, once, at the app's root. Request fields rather than
 * WeakMaps keyed by request: a field is a slot in the request's fixed shape, where each WeakMap entry
 * cost an allocation and work for the garbage collector on every authenticated request.
 */
export function decorateRequestAuth(app: FastifyInstance): void {
  app.decorateRequest('authResult', null);
  app.decorateRequest('stampReading', null);
}

/**
 * Authenticates a request's Authorization header once (the result is kept on the request), without
 * a promise for a token held in memory. Tokens are read from the header only: never from a query
 * string or a cookie.
 */
export function authenticateHeader(request: FastifyRequest, services: Services): MaybeAsync<AuthResult> {
  if (request.authResult) return request.authResult;
  const result = services.authenticator.authenticate(parseAuthorization(request.headers.authorization), {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    reading: stampReadingOf(request),
  });
  return whenReady(result, remember, request);
}

function remember(result: AuthResult, request: FastifyRequest): AuthResult {
  request.authResult = result;
  return result;
}

/** The request's one reading of the database's change stamp, for every cached lookup it makes (see StampReading). */
export function stampReadingOf(request: FastifyRequest): StampReading {
  request.stampReading ??= {};
  return request.stampReading;
}
