import type { User } from '../domain/accounts/user-store.js';
import type { AuditEvent } from '../domain/audit/audit-log.js';
import type { Repo } from '../domain/repos/repo-store.js';
import type { TokenInfo } from '../domain/tokens/token-store.js';
import { toApiTime, toApiTimeOrNull } from '../lib/time.js';

/** The CLI's JSON shapes: GitHub's field names where GitHub has one, ISO timestamps, integer ids. */
export const presentUser = (u: User) => ({
  id: u.id,
  login: u.login,
  email: u.email,
  name: u.name,
  site_admin: u.siteAdmin,
  suspended_at: toApiTimeOrNull(u.suspendedAt),
  created_at: toApiTime(u.createdAt),
});

export const presentToken = (t: TokenInfo & { login?: string }) => ({
  id: t.id,
  ...(t.login ? { user: t.login } : {}),
  note: t.note,
  scopes: t.scopes,
  token_last_four: t.lastFour,
  created_at: toApiTime(t.createdAt),
  expires_at: toApiTimeOrNull(t.expiresAt),
  last_used_at: toApiTimeOrNull(t.lastUsedAt),
  last_used_ip: t.lastUsedIp,
});

export const presentRepo = (r: Repo) => ({
  id: r.id,
  full_name: r.fullName,
  owner: r.owner,
  name: r.name,
  private: r.private,
  description: r.description,
  created_at: toApiTime(r.createdAt),
  pushed_at: toApiTimeOrNull(r.pushedAt),
});

export const presentAuditEvent = (e: AuditEvent) => ({
  id: e.id,
  action: e.action,
  actor: e.actor,
  user: e.user,
  ip: e.ip,
  count: e.count,
  created_at: toApiTime(e.created_at),
  data: e.data,
});
