import type { FastifyReply } from 'fastify';
import type { Actor } from '../domain/auth/actor.js';
import { formatScopesHeader } from '../domain/tokens/scopes.js';

/** GitHub's token headers: every token-authenticated response carries them, whatever the surface. */
export function setTokenHeaders(reply: FastifyReply, actor: Actor, acceptedScopes: readonly string[]): void {
  if (actor.kind !== 'user' || actor.via !== 'token' || !actor.token) return;
  reply.header('x-oauth-scopes', formatScopesHeader(actor.token.scopes));
  reply.header('x-accepted-oauth-scopes', formatScopesHeader(acceptedScopes));
  if (actor.token.expiresAt) reply.header('github-authentication-token-expiration', formatExpirationHeader(actor.token.expiresAt));
}

/** `YYYY-MM-DD HH:MM:SS UTC`, the form GitHub clients parse. */
export function formatExpirationHeader(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
