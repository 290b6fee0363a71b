import type { Kysely } from 'kysely';
import { type MaybeAsync, type StampReading, whenReady } from '../../db/read-cache.js';
import type { Database } from '../../db/schema.js';
import type { AccountService } from '../accounts/account-service.js';
import { type User, toUser } from '../accounts/user-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { expandScopes, parseStoredScopes } from '../tokens/scopes.js';
import type { ExaminedToken, Resolution, TokenService } from '../tokens/token-service.js';
import type { TokenWithOwner } from '../tokens/token-store.js';
import { ANONYMOUS, type Actor } from './actor.js';
import { type Credential, parseAuthorization } from './credentials.js';
import type { createInvalidTokenThrottle, createPasswordThrottle } from './throttle.js';

/** Why a presented credential was refused. A present-but-bad credential is never downgraded to anonymous. */
export type AuthFailure =
  | { reason: 'bad_credentials' }
  | { reason: 'suspended' }
  | { reason: 'password_auth_disabled' }
  | { reason: 'throttled'; retryAfterSeconds: number };

export type AuthResult = { ok: true; actor: Actor } | { ok: false; failure: AuthFailure };

/**
 * An Authorization header's credential with what its text alone tells already derived: a token is
 * examined (see TokenService.examine), null when malformed. Nothing here depends on the database or
 * the time, so a caller that meets the same header again may keep it (see `prepare`).
 */
export type PreparedCredential = Exclude<Credential, { kind: 'token' }> | { kind: 'token'; token: ExaminedToken | null };

export interface RequestContext {
  ip: string;
  userAgent: string | null;
  /** The request's reading of the database's change stamp, shared with its other lookups. */
  reading?: StampReading;
}

export interface AuthenticatorDeps {
  db: Kysely<Database>;
  tokens: TokenService;
  accounts: AccountService;
  audit: AuditLog;
  invalidTokens: ReturnType<typeof createInvalidTokenThrottle>;
  passwords: ReturnType<typeof createPasswordThrottle>;
  passwordAuth: boolean;
}

/** The one place that turns a credential into an actor, for Git, the API and raw files alike. */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const { db, tokens, accounts, audit, invalidTokens, passwords } = deps;

  const refuseToken = (ctx: RequestContext, reason: string, failure: AuthFailure = { reason: 'bad_credentials' }): AuthResult => {
    const over = invalidTokens.recordFailure(ctx.ip);
    if (over) return { ok: false, failure: { reason: 'throttled', retryAfterSeconds: invalidTokens.retryAfter(ctx.ip) } };
    // Aggregated per IP per minute, and written off the request's path.
    audit.recordAuthFailure(db, ctx.ip, reason);
    return { ok: false, failure };
  };

  function authenticateToken(examined: ExaminedToken | null, ctx: RequestContext): MaybeAsync<AuthResult> {
    return whenReady(tokens.resolve(examined, ctx.reading), verdictOn, ctx);
  }

  function verdictOn(resolved: Resolution, ctx: RequestContext): AuthResult {
    if (resolved.status === 'malformed' || resolved.status === 'unknown') {
      return refuseToken(ctx, resolved.status === 'malformed' ? 'malformed_token' : 'unknown_token');
    }
    if (resolved.status === 'expired') {
      const owner = { id: resolved.user.id, login: resolved.user.login };
      audit
        .record(db, { action: 'token.expired_use', actor: null, user: owner, tokenId: resolved.token.id, ip: ctx.ip, data: { note: resolved.token.note } })
        .catch(() => {});
      return refuseToken(ctx, 'expired_token');
    }
    if (resolved.user.suspended_at !== null) return refuseToken(ctx, 'suspended_user', { reason: 'suspended' });
    tokens.touchLastUsed(resolved.token, ctx.ip, ctx.userAgent);
    return { ok: true, actor: actorFor(resolved) };
  }

  // A lookup answered from memory returns the same rows each time (see createReadCache), and the
  // tokens of one owner share its row (see the token store): the actor derived from them (user,
  // scopes and their expansion) and its user are then built once, not per request.
  const actors = new WeakMap<TokenWithOwner['token'], Actor>();
  const users = new WeakMap<TokenWithOwner['user'], User>();
  function actorFor(found: TokenWithOwner): Actor {
    let actor = actors.get(found.token);
    if (!actor) {
      const scopes = parseStoredScopes(found.token.scopes);
      let user = users.get(found.user);
      if (!user) {
        user = toUser(found.user);
        users.set(found.user, user);
      }
      actor = {
        kind: 'user',
        user,
        via: 'token',
        token: { id: found.token.id, note: found.token.note, scopes, expiresAt: found.token.expires_at },
        granted: expandScopes(scopes),
      };
      actors.set(found.token, actor);
    }
    return actor;
  }

  async function authenticatePassword(login: string, password: string, ctx: RequestContext): Promise<AuthResult> {
    if (!deps.passwordAuth) return { ok: false, failure: { reason: 'password_auth_disabled' } };
    const wait = await passwords.retryAfter(ctx.ip, login);
    if (wait > 0) return { ok: false, failure: { reason: 'throttled', retryAfterSeconds: wait } };
    const user = await accounts.verifyPassword(login, password);
    if (!user) {
      await passwords.recordFailure(ctx.ip, login);
      audit.recordAuthFailure(db, ctx.ip, 'bad_password');
      return { ok: false, failure: { reason: 'bad_credentials' } };
    }
    if (user.suspendedAt !== null) return { ok: false, failure: { reason: 'suspended' } };
    return { ok: true, actor: { kind: 'user', user, via: 'password', token: null, granted: null } };
  }

  return {
    /** Parses an Authorization header and examines the token it carries, if any: see PreparedCredential. */
    prepare(header: string | undefined): PreparedCredential {
      const credential = parseAuthorization(header);
      return credential.kind === 'token' ? { kind: 'token', token: tokens.examine(credential.token) } : credential;
    },

    /** Answered without a promise for a token held in memory (see createReadCache). */
    authenticate(credential: PreparedCredential, ctx: RequestContext): MaybeAsync<AuthResult> {
      switch (credential.kind) {
        case 'none':
          return { ok: true, actor: ANONYMOUS };
        case 'malformed':
          return refuseToken(ctx, 'malformed_header');
        case 'token':
          return authenticateToken(credential.token, ctx);
        case 'password':
          return authenticatePassword(credential.login, credential.password, ctx);
      }
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
