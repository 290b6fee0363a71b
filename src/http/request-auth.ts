import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type MaybeAsync, type StampReading, whenReady } from '../db/read-cache.js';
import type { AuthResult, PreparedCredential } from '../domain/auth/authenticate.js';
import type { Services } from '../domain/services.js';
import { safeEqual } from '../lib/crypto.js';

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
  const result = services.authenticator.authenticate(credentialOf(request, services), {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    reading: stampReadingOf(request),
  });
  return whenReady(result, remember, request);
}

const lastTokenHeader = Symbol('gitgate.lastTokenHeader');

interface ConnectionMemory {
  [lastTokenHeader]?: { header: string; credential: PreparedCredential };
}

/**
 * The request's credential, prepared (see Authenticator.prepare). A client sends the same
 * Authorization header on every request of a keep-alive connection, and what is derived from its
 * text alone (the parse, the token's checksum and its key in memory, mostly a SHA-256) is then the
 * same: a token header's is kept with the connection until another header arrives on it. What the
 * token resolves to is not kept here: that is looked up on every request, so a revocation or an
 * expiry applies to the next one. Compared in constant time: behind a proxy that pools connections,
 * the last header may be another client's.
 */
function credentialOf(request: FastifyRequest, services: Services): PreparedCredential {
  const header = request.headers.authorization;
  const connection = request.raw.socket as (Socket & ConnectionMemory) | null;
  const last = connection?.[lastTokenHeader];
  if (last !== undefined && header !== undefined && safeEqual(last.header, header)) return last.credential;
  const credential = services.authenticator.prepare(header);
  if (connection && header !== undefined && credential.kind === 'token') connection[lastTokenHeader] = { header, credential };
  return credential;
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
