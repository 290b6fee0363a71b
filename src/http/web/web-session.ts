import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { User } from '../../domain/accounts/user-store.js';
import { ANONYMOUS, type Actor, type UserActor } from '../../domain/auth/actor.js';
import { PolicyDenied } from '../../domain/auth/policy.js';
import type { Session } from '../../domain/auth/session-service.js';
import { SESSION_LIFETIME_MS } from '../../domain/auth/session-service.js';
import type { Services } from '../../domain/services.js';

export const SESSION_COOKIE = 'gitgate_session';

interface WebState {
  session: Session | null;
  secret: string | null;
}

// Per-request state lives beside the request, not on it: no global type augmentation.
const states = new WeakMap<FastifyRequest, WebState>();

/** Reads the session cookie once per request (web pages read only the cookie, never Authorization). */
export function installSessions(app: FastifyInstance, services: Services) {
  app.addHook('onRequest', async (request) => {
    const secret = request.cookies[SESSION_COOKIE] ?? null;
    const session = secret ? await services.sessions.find(secret) : null;
    states.set(request, { session, secret: session ? secret : null });
  });
}

export function sessionOf(request: FastifyRequest): Session | null {
  return states.get(request)?.session ?? null;
}

export function sessionSecretOf(request: FastifyRequest): string | null {
  return states.get(request)?.secret ?? null;
}

/** The web actor: a signed-in user with every permission of the user (sessions carry no scopes). */
export function actorOf(request: FastifyRequest): Actor {
  const session = sessionOf(request);
  return session ? sessionActor(session.user) : ANONYMOUS;
}

export function sessionActor(user: User): UserActor {
  return { kind: 'user', user, via: 'session', token: null, granted: null };
}

/** The signed-in user, or a PolicyDenied('unauthenticated') that the error handler turns into a sign-in redirect. */
export function requireUser(request: FastifyRequest): { user: User; session: Session } {
  const session = sessionOf(request);
  if (!session) throw new PolicyDenied({ allow: false, reason: 'unauthenticated', acceptedScopes: [] });
  return { user: session.user, session };
}

export function cookieOptions(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.baseUrl.startsWith('https:') };
}

export async function startSession(reply: FastifyReply, services: Services, config: Config, user: User, request: FastifyRequest) {
  const secret = await services.sessions.create(user, request.ip, request.headers['user-agent'] ?? null);
  reply.setCookie(SESSION_COOKIE, secret, { ...cookieOptions(config), maxAge: Math.floor(SESSION_LIFETIME_MS / 1000) });
}

export function clearSessionCookie(reply: FastifyReply, config: Config) {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(config));
}

export function auditActor(user: User) {
  return { id: user.id, login: user.login };
}
