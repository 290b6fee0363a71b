import type { FastifyRequest } from 'fastify';
import type { StampReading } from '../db/read-cache.js';
import type { AuthResult } from '../domain/auth/authenticate.js';
import { parseAuthorization } from '../domain/auth/credentials.js';
import type { Services } from '../domain/services.js';

const results = new WeakMap<FastifyRequest, AuthResult>();

/**
 * Authenticates a request's Authorization header once (the result is kept per request, in a typed
 * WeakMap as the actor is). Tokens are read from the header only: never from a query string or a
 * cookie.
 */
export async function authenticateHeader(request: FastifyRequest, services: Services): Promise<AuthResult> {
  const cached = results.get(request);
  if (cached) return cached;
  const result = await services.authenticator.authenticate(parseAuthorization(request.headers.authorization), {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    reading: stampReadingOf(request),
  });
  results.set(request, result);
  return result;
}

const readings = new WeakMap<FastifyRequest, StampReading>();

/** The request's one reading of the database's change stamp, for every cached lookup it makes (see StampReading). */
export function stampReadingOf(request: FastifyRequest): StampReading {
  let reading = readings.get(request);
  if (!reading) {
    reading = {};
    readings.set(request, reading);
  }
  return reading;
}
