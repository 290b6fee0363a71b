import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * Column conventions, the same on SQLite and PostgreSQL: booleans are integers 0/1, timestamps are
 * ISO 8601 UTC text (lib/time.ts), lists are comma-separated text, case-insensitive uniqueness is a
 * `lower_*` column with a unique index.
 */
export interface UsersTable {
  id: Generated<number>;
  type: 'User' | 'Organization';
  login: string;
  lower_login: string;
  email: string | null;
  lower_email: string | null;
  name: string | null;
  password_hash: string | null;
  site_admin: number;
  suspended_at: string | null;
  notify_token_expiry: number;
  created_at: string;
  updated_at: string;
}

export interface OrgMembersTable {
  org_id: number;
  user_id: number;
  role: 'owner' | 'member';
  created_at: string;
}

export interface ReposTable {
  id: Generated<number>;
  owner_id: number;
  name: string;
  lower_name: string;
  description: string | null;
  private: number;
  default_branch: string;
  created_at: string;
  updated_at: string;
  pushed_at: string | null;
}

/** Old names of renamed repositories, so old Git URLs keep working until the name is reused. */
export interface RepoRedirectsTable {
  owner_id: number;
  lower_name: string;
  repo_id: number;
}

export interface CollaboratorsTable {
  repo_id: number;
  user_id: number;
  permission: 'read' | 'write' | 'admin';
  created_at: string;
}

export interface AccessTokensTable {
  id: Generated<number>;
  user_id: number;
  note: string;
  digest: string;
  last_four: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  regenerated_at: string | null;
  notice_7d_at: string | null;
  notice_1d_at: string | null;
  notice_expired_at: string | null;
}

/**
 * A token's last use, in a table of its own: a token's row never grows when it is first used (a
 * row that grows on a full page splits it), and the writes of busy tokens touch small rows only.
 */
export interface TokenLastUsesTable {
  token_id: number;
  last_used_at: string;
  last_used_ip: string | null;
  last_used_user_agent: string | null;
}

export interface SessionsTable {
  id: Generated<number>;
  digest: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  sudo_at: string | null;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  action: string;
  actor_id: number | null;
  actor: string | null;
  user_id: number | null;
  user: string | null;
  repo_id: number | null;
  token_id: number | null;
  ip: string | null;
  count: number;
  data: string;
  created_at: string;
}

/** Small shared facts: the setup code's digest, and the like. */
export interface SiteSettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Fixed-window counters shared by every instance (password failures, API rate limits). */
export interface CountersTable {
  key: string;
  window_start: string;
  count: number;
}

export interface Database {
  users: UsersTable;
  org_members: OrgMembersTable;
  repos: ReposTable;
  repo_redirects: RepoRedirectsTable;
  collaborators: CollaboratorsTable;
  access_tokens: AccessTokensTable;
  token_last_uses: TokenLastUsesTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  site_settings: SiteSettingsTable;
  counters: CountersTable;
}

export type UserRow = Selectable<UsersTable>;
export type RepoRow = Selectable<ReposTable>;
export type AccessTokenRow = Selectable<AccessTokensTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
