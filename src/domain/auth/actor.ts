import type { User } from '../accounts/user-store.js';

/** Who is making a request, and through what. Scopes only limit: they never grant more than the user has. */
export type Actor = AnonymousActor | UserActor;

export interface AnonymousActor {
  kind: 'anonymous';
}

export interface UserActor {
  kind: 'user';
  user: User;
  via: 'session' | 'token' | 'password';
  /** Present when via is 'token'. */
  token: { id: number; note: string; scopes: string[]; expiresAt: string | null } | null;
  /** Scopes the actor holds, children expanded; null means unrestricted (a session or a password). */
  granted: ReadonlySet<string> | null;
}

export const ANONYMOUS: AnonymousActor = { kind: 'anonymous' };

export function hasScope(actor: UserActor, scope: string): boolean {
  return actor.granted === null || actor.granted.has(scope);
}

export function auditActorOf(actor: Actor): { id: number; login: string } | null {
  return actor.kind === 'user' ? { id: actor.user.id, login: actor.user.login } : null;
}

/** The command line and internal jobs: trusted, recorded in the audit log as `cli`. */
export interface SystemActor {
  kind: 'system';
}

export const SYSTEM: SystemActor = { kind: 'system' };

/** Whoever calls a domain service: a request's actor, or the system. */
export type Caller = Actor | SystemActor;

export function auditActorOfCaller(caller: Caller): { id: number; login: string } | 'cli' | null {
  return caller.kind === 'system' ? 'cli' : auditActorOf(caller);
}
