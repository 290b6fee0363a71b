import type { Kysely } from 'kysely';
import { compiledOnce } from '../../db/compiled-once.js';
import type { SyncQueries } from '../../db/open-database.js';
import { type ChangeStamp, createReadCache, type MaybeAsync, type StampReading } from '../../db/read-cache.js';
import { randomUrlSafe, sha256Hex } from '../../lib/crypto.js';
import type { AccessTokenRow, Database, TokenLastUsesTable } from '../../db/schema.js';
import type { UserFields } from '../accounts/user-store.js';
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

/** A token's row with its last use (null when never used), as the lists and pages read it. */
export type StoredToken = AccessTokenRow & { [K in keyof Omit<TokenLastUsesTable, 'token_id'>]: TokenLastUsesTable[K] | null };

export function toTokenInfo(row: StoredToken): TokenInfo {
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

/** One use of a token, as token_last_uses records it. */
export interface LastUse {
  tokenId: number;
  at: string;
  /** The previous use is overwritten only when older than this (once a minute). */
  notBefore: string;
  ip: string | null;
  userAgent: string | null;
}

/** What a presented token is checked, recorded and shown by: its row less the digest, the notices and the last use's origin. */
export type PresentedToken = Pick<StoredToken, 'id' | 'user_id' | 'note' | 'last_four' | 'scopes' | 'created_at' | 'expires_at' | 'last_used_at' | 'regenerated_at'>;

// Fewer columns, fewer values for better-sqlite3 to hand over one by one (on Node 20, ~1k
// instructions each), and no 64-character digest copied out per lookup.
const PRESENTED_TOKEN_COLUMNS = ['t.id', 't.user_id', 't.note', 't.last_four', 't.scopes', 't.created_at', 't.expires_at', 'lu.last_used_at', 't.regenerated_at'] as const;

export interface TokenWithOwner {
  readonly token: Readonly<PresentedToken>;
  readonly user: Readonly<UserFields>;
}

/**
 * SQL for access tokens. Lookups go through the unique digest index: cost does not grow with the
 * table. With a change stamp (SQLite), a lookup is answered from memory while the database is
 * unchanged since it was read (see createReadCache): revoking, suspending or any other write empties it.
 */
export function createTokenStore(db: Kysely<Database>, changeStamp: ChangeStamp | null = null, sync: SyncQueries | null = null) {
  const lookups = createReadCache<string, TokenWithOwner | null>(changeStamp);
  // 12 characters (72 bits): with a 40-character token, the key's SHA-256 is one block, not two.
  const pepper = randomUrlSafe(9);
  /** Tokens beside their last use (its columns null when never used). */
  const tokensAndUses = () => db.selectFrom('access_tokens as t').leftJoin('token_last_uses as lu', 'lu.token_id', 't.id');
  // Compiled once: this lookup runs on every authenticated request (see compiledOnce).
  const byDigest = compiledOnce(db, (digest: string) =>
    tokensAndUses()
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(PRESENTED_TOKEN_COLUMNS)
      .select([
        'u.type as u_type',
        'u.login as u_login',
        'u.email as u_email',
        'u.name as u_name',
        'u.site_admin as u_site_admin',
        'u.suspended_at as u_suspended_at',
        'u.notify_token_expiry as u_notify_token_expiry',
        'u.created_at as u_created_at',
        'u.updated_at as u_updated_at',
      ])
      .where('t.digest', '=', digest),
    // A token not held in memory is read at once on SQLite: no promise on the cold path either.
    sync,
  );
  // Compiled once too, and written at once on SQLite: a token's first use each minute writes it, so
  // the cold lookups (a different token each request) run it once per request. A token deleted
  // since its use is no longer there to select, so its use is dropped rather than refused.
  const touchById = compiledOnce(
    db,
    (at: string, ip: string | null, userAgent: string | null, id: number, notBefore: string) =>
      db
        .insertInto('token_last_uses')
        .columns(['token_id', 'last_used_at', 'last_used_ip', 'last_used_user_agent'])
        .expression(
          db
            .selectFrom('access_tokens')
            .select((eb) => ['id', eb.val(at).as('last_used_at'), eb.val(ip).as('last_used_ip'), eb.val(userAgent).as('last_used_user_agent')])
            .where('id', '=', id),
        )
        .onConflict((oc) =>
          oc
            .column('token_id')
            .doUpdateSet((eb) => ({
              last_used_at: eb.ref('excluded.last_used_at'),
              last_used_ip: eb.ref('excluded.last_used_ip'),
              last_used_user_agent: eb.ref('excluded.last_used_user_agent'),
            }))
            .where('token_last_uses.last_used_at', '<', notBefore),
        ),
    sync,
  );

  /** Tokens as the lists and pages show them: each row with its last use. */
  const withLastUse = () => tokensAndUses().selectAll('t').select(['lu.last_used_at', 'lu.last_used_ip', 'lu.last_used_user_agent']);

  function readByDigest(digest: string): MaybeAsync<TokenWithOwner | null> {
    const rows = byDigest.readNow(digest);
    return rows ? withOwner(rows[0]) : byDigest(digest).then(([row]) => withOwner(row));
  }

  function withOwner(row: Awaited<ReturnType<typeof byDigest>>[number] | undefined): TokenWithOwner | null {
    if (!row) return null;
    // Field by field rather than `const { u_type, ..., ...token } = row`: on Node 20 a rest
    // destructuring of the joined row takes V8's slow path, ~5% of an authenticated request.
    const token: PresentedToken = {
      id: row.id,
      user_id: row.user_id,
      note: row.note,
      last_four: row.last_four,
      scopes: row.scopes,
      created_at: row.created_at,
      expires_at: row.expires_at,
      last_used_at: row.last_used_at,
      regenerated_at: row.regenerated_at,
    };
    return {
      token,
      user: sharedOwner({
        id: token.user_id,
        type: row.u_type,
        login: row.u_login,
        email: row.u_email,
        name: row.u_name,
        site_admin: row.u_site_admin,
        suspended_at: row.u_suspended_at,
        notify_token_expiry: row.u_notify_token_expiry,
        created_at: row.u_created_at,
        updated_at: row.u_updated_at,
      }),
    };
  }

  // The tokens of one owner share one owner object while its row reads the same, so what is built
  // from it (the actor's user, GET /user's answer) is built once, even when every token differs.
  const owners = new Map<number, UserFields>();
  function sharedOwner(row: UserFields): UserFields {
    const known = owners.get(row.id);
    if (known && sameFields(known, row)) return known;
    if (owners.size >= 10_000) owners.clear();
    owners.set(row.id, row);
    return row;
  }

  return {
    /** The key a secret's lookup is kept under in memory: a one-shot SHA-256 with a per-process pepper (~0.3 us). */
    memoryKeyOf(secret: string): string {
      return sha256Hex(pepper + secret);
    },
    /**
     * A presented token and its owner: the hot path of every authenticated request. Kept in memory
     * under its memory key (`memoryKeyOf`); the keyed digest the database holds (HMAC, ~2 us) is
     * computed only when the row has to be read.
     */
    findBySecret(secret: string, memoryKey: string, digestOf: (secret: string) => string, reading?: StampReading): MaybeAsync<TokenWithOwner | null> {
      return lookups(memoryKey, () => readByDigest(digestOf(secret)), reading);
    },
    /** The token with this keyed digest and its owner, read from the database. */
    findByDigest(digest: string): MaybeAsync<TokenWithOwner | null> {
      return readByDigest(digest);
    },
    async findById(id: number): Promise<StoredToken | null> {
      return (await withLastUse().where('t.id', '=', id).executeTakeFirst()) ?? null;
    },
    async listByUser(userId: number): Promise<TokenInfo[]> {
      const rows = await withLastUse().where('t.user_id', '=', userId).orderBy('t.id', 'desc').execute();
      return rows.map(toTokenInfo);
    },
    /**
     * The user's tokens whose expiry falls within [from, to], soonest first: the web banner runs it
     * on every signed-in page, so it stays one query narrowed by the (user_id, note) unique index.
     */
    async listExpiringBetween(userId: number, from: string, to: string): Promise<TokenInfo[]> {
      const rows = await withLastUse()
        .where('t.user_id', '=', userId)
        .where('t.expires_at', '>=', from)
        .where('t.expires_at', '<=', to)
        .orderBy('t.expires_at', 'asc')
        .execute();
      return rows.map(toTokenInfo);
    },
    /** Every token with its owner's login, newest first; only one owner's when `login` is given. */
    async listAll(options: { login?: string } = {}): Promise<(TokenInfo & { login: string })[]> {
      let query = withLastUse()
        .innerJoin('users as u', 'u.id', 't.user_id')
        .select('u.login as login')
        .orderBy('t.id', 'desc');
      if (options.login !== undefined) query = query.where('u.lower_login', '=', options.login.toLowerCase());
      const rows = await query.execute();
      return rows.map((row) => ({ ...toTokenInfo(row), login: row.login }));
    },
    /**
     * Records uses in one transaction. Each row is written at most once a minute (`notBefore`); the
     * condition makes it once across instances too.
     */
    async touchLastUsed(uses: readonly LastUse[]): Promise<void> {
      const argsList = uses.map((use): Parameters<typeof touchById> => [use.at, use.ip, use.userAgent?.slice(0, 255) ?? null, use.tokenId, use.notBefore]);
      if (touchById.writeEachNow(argsList)) return;
      await db.transaction().execute(async (trx) => {
        const touch = touchById.on(trx);
        for (const args of argsList) await touch(...args);
      });
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

function sameFields<Row extends object>(a: Row, b: Row): boolean {
  for (const key in a) if (a[key] !== b[key]) return false;
  return true;
}
