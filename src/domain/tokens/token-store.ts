import type { Kysely } from 'kysely';
import { compiledOnce } from '../../db/compiled-once.js';
import type { AccessTokenRow, Database, UserRow } from '../../db/schema.js';
import { parseStoredScopes } from './scopes.js';

/** What may be shown about a token: everything but the secret (which is never stored anyway). */
export interface TokenInfo {
  id: number;
  userId: number;
  note: string;
  scopes: string[];
  lastFour: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  lastUsedUserAgent: string | null;
  regeneratedAt: string | null;
}

export function toTokenInfo(row: AccessTokenRow): TokenInfo {
  return {
    id: row.id,
    userId: row.user_id,
    note: row.note,
    scopes: parseStoredScopes(row.scopes),
    lastFour: row.last_four,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    lastUsedUserAgent: row.last_used_user_agent,
    regeneratedAt: row.regenerated_at,
  };
}

/** SQL for access tokens. Lookups go through the unique digest index: cost does not grow with the table. */
export function createTokenStore(db: Kysely<Database>) {
  // Compiled once: this lookup runs on every authenticated request (see compiledOnce).
  const byDigest = compiledOnce(db, (digest: string) =>
    db
      .selectFrom('access_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .selectAll('t')
      .select([
        'u.type as u_type',
        'u.login as u_login',
        'u.lower_login as u_lower_login',
        'u.email as u_email',
        'u.lower_email as u_lower_email',
        'u.name as u_name',
        'u.site_admin as u_site_admin',
        'u.suspended_at as u_suspended_at',
        'u.notify_token_expiry as u_notify_token_expiry',
        'u.created_at as u_created_at',
        'u.updated_at as u_updated_at',
      ])
      .where('t.digest', '=', digest),
  );
  return {
    /** The token and its owner in one query: the hot path of every authenticated request. */
    async findByDigest(digest: string): Promise<{ token: AccessTokenRow; user: UserRow } | null> {
      const [row] = await byDigest(digest);
      if (!row) return null;
      const { u_type, u_login, u_lower_login, u_email, u_lower_email, u_name, u_site_admin, u_suspended_at, u_notify_token_expiry, u_created_at, u_updated_at, ...token } = row;
      return {
        token,
        user: {
          id: token.user_id,
          type: u_type,
          login: u_login,
          lower_login: u_lower_login,
          email: u_email,
          lower_email: u_lower_email,
          name: u_name,
          password_hash: null,
          site_admin: u_site_admin,
          suspended_at: u_suspended_at,
          notify_token_expiry: u_notify_token_expiry,
          created_at: u_created_at,
          updated_at: u_updated_at,
        },
      };
    },
    async findById(id: number): Promise<AccessTokenRow | null> {
      return (await db.selectFrom('access_tokens').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },
    async listByUser(userId: number): Promise<TokenInfo[]> {
      const rows = await db.selectFrom('access_tokens').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').execute();
      return rows.map(toTokenInfo);
    },
    /**
     * The user's tokens whose expiry falls within [from, to], soonest first: the web banner runs it
     * on every signed-in page, so it stays one query narrowed by the (user_id, note) unique index.
     */
    async listExpiringBetween(userId: number, from: string, to: string): Promise<TokenInfo[]> {
      const rows = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .where('expires_at', '>=', from)
        .where('expires_at', '<=', to)
        .orderBy('expires_at', 'asc')
        .execute();
      return rows.map(toTokenInfo);
    },
    async listAll(): Promise<(TokenInfo & { login: string })[]> {
      const rows = await db
        .selectFrom('access_tokens as t')
        .innerJoin('users as u', 'u.id', 't.user_id')
        .selectAll('t')
        .select('u.login as login')
        .orderBy('t.id', 'desc')
        .execute();
      return rows.map((row) => ({ ...toTokenInfo(row), login: row.login }));
    },
    /** Records use at most once a minute per token; the condition makes it once across instances too. */
    async touchLastUsed(id: number, at: string, notBefore: string, ip: string | null, userAgent: string | null): Promise<void> {
      await db
        .updateTable('access_tokens')
        .set({ last_used_at: at, last_used_ip: ip, last_used_user_agent: userAgent?.slice(0, 255) ?? null })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore)]))
        .execute();
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
