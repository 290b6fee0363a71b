import { type Caller, hasScope, type UserActor } from './actor.js';
import { GitgateError } from '../../lib/errors.js';

/**
 * Every allow/deny decision is made here, for Git, the API and the web alike. One rule:
 *  1. What the actor cannot see is `not_found`: existence is never revealed. A token sees what its
 *     user sees, narrowed by scopes (a private repository needs `repo`).
 *  2. Visible, but the user lacks the permission: `forbidden_permission`.
 *  3. Visible, user permitted, token lacks the scope: `forbidden_scope`, with the scopes that would do.
 * Anonymous actors get `unauthenticated` where signing in could help. Surfaces map reasons to their
 * own statuses and words; none decides for itself.
 */
export type DenyReason = 'unauthenticated' | 'not_found' | 'forbidden_permission' | 'forbidden_scope';

export type Decision = { allow: true; acceptedScopes: string[] } | Denial;

export interface Denial {
  allow: false;
  reason: DenyReason;
  /** Scopes any one of which would allow the action (the X-Accepted-OAuth-Scopes value). */
  acceptedScopes: string[];
}

export type RepoPermission = 'none' | 'read' | 'write' | 'admin';
export type RepoAction = 'read' | 'write' | 'admin' | 'delete';

/** What the policy needs to know about a repository and the actor's standing on it (scopes aside). */
export interface RepoFacts {
  private: boolean;
  /** The user's own permission from ownership, org role or collaboration; 'none' for anonymous. */
  permission: RepoPermission;
}

const RANK: Record<RepoPermission, number> = { none: 0, read: 1, write: 2, admin: 3 };
const NEEDED: Record<RepoAction, RepoPermission> = { read: 'read', write: 'write', admin: 'admin', delete: 'admin' };

const allow = (acceptedScopes: string[]): Decision => ({ allow: true, acceptedScopes });
const deny = (reason: DenyReason, acceptedScopes: string[]): Denial => ({ allow: false, reason, acceptedScopes });

/** The scopes that allow an action on a repository, in X-Accepted-OAuth-Scopes order. */
export function scopesForRepoAction(action: RepoAction, isPrivate: boolean): string[] {
  if (action === 'delete') return ['delete_repo'];
  if (action === 'read') return isPrivate ? ['repo'] : [];
  return isPrivate ? ['repo'] : ['public_repo', 'repo'];
}

function holdsAny(actor: UserActor, scopes: string[]): boolean {
  return scopes.length === 0 || scopes.some((s) => hasScope(actor, s));
}

/** `repo` null means the repository does not exist: the answer is the same as for an invisible one. */
export function canRepo(actor: Caller, action: RepoAction, repo: RepoFacts | null): Decision {
  const accepted = scopesForRepoAction(action, repo?.private ?? true);
  if (!repo) return deny('not_found', accepted);
  if (actor.kind === 'system') return allow(accepted);
  const permission: RepoPermission = repo.private ? repo.permission : RANK[repo.permission] > 0 ? repo.permission : 'read';
  const visible = !repo.private || (actor.kind === 'user' && RANK[repo.permission] > 0 && hasScope(actor, 'repo'));
  if (!visible) return deny('not_found', accepted);
  if (action === 'read') return allow(accepted);
  if (actor.kind === 'anonymous') return deny('unauthenticated', accepted);
  if (RANK[permission] < RANK[NEEDED[action]]) return deny('forbidden_permission', accepted);
  if (!holdsAny(actor, accepted)) return deny('forbidden_scope', accepted);
  return allow(accepted);
}

/** Routes about the actor's own account or other non-repository resources: signed in, holding one of `scopes`. */
export function canUseScopes(actor: Caller, scopes: string[]): Decision {
  if (actor.kind === 'system') return allow(scopes);
  if (actor.kind === 'anonymous') return deny('unauthenticated', scopes);
  if (!holdsAny(actor, scopes)) return deny('forbidden_scope', scopes);
  return allow(scopes);
}

export type OrgRole = 'owner' | 'member' | null;
export type OrgAction = 'read' | 'create_repo' | 'admin';

/** Organizations are public; creating repositories in one needs membership, administering it needs ownership. */
export function canOrg(actor: Caller, action: OrgAction, org: { role: OrgRole } | null, privateRepo = false): Decision {
  const accepted = action === 'admin' ? ['admin:org'] : action === 'create_repo' ? scopesForRepoAction('write', privateRepo) : [];
  if (!org) return deny('not_found', accepted);
  if (action === 'read' || actor.kind === 'system') return allow(accepted);
  if (actor.kind === 'anonymous') return deny('unauthenticated', accepted);
  const needed = action === 'admin' ? org.role === 'owner' : org.role !== null;
  if (!needed) return deny('forbidden_permission', accepted);
  if (!holdsAny(actor, accepted)) return deny('forbidden_scope', accepted);
  return allow(accepted);
}

/** The site administration surfaces: a site administrator, through a session or a `site_admin` token. */
export function canAdministerSite(actor: Caller): Decision {
  const accepted = ['site_admin'];
  if (actor.kind === 'system') return allow(accepted);
  if (actor.kind === 'anonymous') return deny('unauthenticated', accepted);
  if (!actor.user.siteAdmin) return deny('forbidden_permission', accepted);
  if (!holdsAny(actor, accepted)) return deny('forbidden_scope', accepted);
  return allow(accepted);
}

/** Creating a repository for oneself: `repo` for a private one, `public_repo` or `repo` for a public one. */
export function canCreateOwnRepo(actor: Caller, isPrivate: boolean): Decision {
  return canUseScopes(actor, scopesForRepoAction('write', isPrivate));
}

const KIND_OF_REASON = {
  unauthenticated: 'unauthenticated',
  not_found: 'not_found',
  forbidden_permission: 'forbidden',
  forbidden_scope: 'forbidden',
} as const;

/** A denial travelling as an error, so services can refuse and each surface can map the reason. */
export class PolicyDenied extends GitgateError {
  constructor(readonly denial: Denial) {
    super(KIND_OF_REASON[denial.reason], denial.reason, `denied: ${denial.reason}`);
  }
}

/** Throws PolicyDenied unless the decision allows. */
export function enforce(decision: Decision): void {
  if (!decision.allow) throw new PolicyDenied(decision);
}
