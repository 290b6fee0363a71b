import type { Kysely } from 'kysely';
import { isUniqueViolation, type SyncQueries } from '../../db/open-database.js';
import { type ChangeStamp, type MaybeAsync, type StampReading, whenReady } from '../../db/read-cache.js';
import type { AccessTokenRow, Database } from '../../db/schema.js';
import { type Clock, DAY, MINUTE } from '../../lib/clock.js';
import { hmacSha256HexWith } from '../../lib/crypto.js';
import { createWriteBehind } from '../../lib/write-behind.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { dbTimeOf, toDbTime } from '../../lib/time.js';
import type { User } from '../accounts/user-store.js';
import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import { DEFAULT_EXPIRATION, type ExpirationChoice, resolveExpiration, tokenDeadline } from './expiration.js';
import { normalizeScopes } from './scopes.js';
import { generateToken, isWellFormedToken, lastFourOf } from './token-format.js';
import { createTokenStore, type LastUse, type PresentedToken, type StoredToken, type TokenInfo, type TokenWithOwner, toTokenInfo } from './token-store.js';

export interface TokenServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  secretKey: Buffer;
  maxLifetimeDays: number | null;
  /** SQLite's change stamp: token lookups are then answered from memory while nothing changed. */
  changeStamp?: ChangeStamp | null;
  /** SQLite's synchronous queries: a token not held in memory is then read, and its last use written, without a promise. */
  syncQueries?: SyncQueries | null;
  /** Called after a token is created or regenerated (the owner is told by email). */
  onIssued?: (owner: User, info: TokenInfo, regenerated: boolean) => void;
}

export interface NewToken {
  note: string;
  scopes: readonly string[];
  expiration?: ExpirationChoice;
}

/** A token's secret is returned exactly once, here; only its keyed digest is stored. */
export interface IssuedToken {
  token: string;
  info: TokenInfo;
}

/** What a presented token turned out to be. Answered without a promise when the token is held in memory. */
export type Resolution =
  | { status: 'malformed' }
  | { status: 'unknown' }
  | ({ status: 'expired' } & TokenWithOwner)
  | ({ status: 'live' } & TokenWithOwner);

/** A presented token whose format and checksum hold, with its key in memory (see TokenService.examine). */
export interface ExaminedToken {
  readonly secret: string;
  readonly memoryKey: string;
}

export const MAX_NOTE_LENGTH = 100;

function validateNote(note: string): string {
  const trimmed = note.trim();
  if (trimmed.length === 0) throw invalid('note_missing', 'note', 'Note can\'t be blank.', 'missing_field');
  if ([...trimmed].length > MAX_NOTE_LENGTH) throw invalid('note_too_long', 'note', `Note is too long (maximum is ${MAX_NOTE_LENGTH} characters).`);
  return trimmed;
}

export function createTokenService(deps: TokenServiceDeps) {
  const { db, clock, audit, secretKey, maxLifetimeDays } = deps;
  const store = createTokenStore(db, deps.changeStamp ?? null, deps.syncQueries ?? null);
  // A token's use is shown to its owner, not awaited by the request: written in batches, by token id.
  const lastUsed = createWriteBehind<number, LastUse>({
    write: (uses) => store.touchLastUsed(uses),
    order: (a, b) => a.tokenId - b.tokenId,
  });
  // A row answered from memory is the same object on every use: the time of its last use, as read
  // or as queued since, is kept beside it, so a hot token costs one comparison, not a date
  // conversion, per request. (A row read again after its last use was written has a recent
  // `last_used_at`, and nothing to queue for a minute: it is parsed once, not on each use.)
  const lastUseKnown = new WeakMap<Readonly<PresentedToken>, number>();
  // Its deadline likewise: worked out once per row, not parsed per request.
  const deadlines = new WeakMap<Readonly<PresentedToken>, number>();
  const deadlineOf = (row: Readonly<PresentedToken>) => {
    let deadline = deadlines.get(row);
    if (deadline === undefined) {
      deadline = tokenDeadline(row, maxLifetimeDays);
      deadlines.set(row, deadline);
    }
    return deadline;
  };
  const statusOf = (found: TokenWithOwner | null): Resolution => {
    if (!found) return { status: 'unknown' };
    // Field by field rather than `...found`: a spread copies through V8's generic path on every request.
    if (clock.millis() >= deadlineOf(found.token)) return { status: 'expired', token: found.token, user: found.user };
    return { status: 'live', token: found.token, user: found.user };
  };
  const digestOf = hmacSha256HexWith(secretKey);
  const examine = (candidate: string): ExaminedToken | null =>
    isWellFormedToken(candidate) ? { secret: candidate, memoryKey: store.memoryKeyOf(candidate) } : null;
  const noteTaken = (note: string) => conflict('note_taken', 'note', `Note has already been taken: you have a token named "${note}".`);

  async function getOwned(user: User, id: number): Promise<StoredToken> {
    const row = await store.findById(id);
    if (!row || row.user_id !== user.id) throw notFound('token_not_found', 'Token not found.');
    return row;
  }

  async function deleteRow(row: AccessTokenRow, owner: { id: number; login: string }, actor: AuditActor, reason: string, ip?: string | null) {
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('access_tokens').where('id', '=', row.id).execute();
      await audit.record(trx, {
        action: 'token.delete',
        actor,
        user: owner,
        tokenId: row.id,
        ip,
        data: { note: row.note, token_last_four: row.last_four, reason },
      });
    });
  }

  return {
    store,
    digestOf,

    async create(user: User, input: NewToken, actor: AuditActor, ip?: string | null): Promise<IssuedToken> {
      const note = validateNote(input.note);
      const scopes = normalizeScopes(input.scopes);
      const now = clock.now();
      const expiresAt = resolveExpiration(input.expiration ?? DEFAULT_EXPIRATION, now, maxLifetimeDays);
      const token = generateToken();
      try {
        const id = await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('access_tokens')
            .values({
              user_id: user.id,
              note,
              digest: digestOf(token),
              last_four: lastFourOf(token),
              scopes: scopes.join(','),
              created_at: toDbTime(now),
              expires_at: expiresAt ? toDbTime(expiresAt) : null,
              regenerated_at: null,
              notice_7d_at: null,
              notice_1d_at: null,
              notice_expired_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await audit.record(trx, {
            action: 'token.create',
            actor,
            user,
            tokenId: row.id,
            ip,
            data: { note, scopes, expires_at: expiresAt ? toDbTime(expiresAt) : null, token_last_four: lastFourOf(token) },
          });
          return row.id;
        });
        const info = toTokenInfo((await store.findById(id))!);
        deps.onIssued?.(user, info, false);
        return { token, info };
      } catch (error) {
        if (isUniqueViolation(error)) throw noteTaken(note);
        throw error;
      }
    },

    list: (user: User) => store.listByUser(user.id),
    listAll: (options: { login?: string } = {}) => store.listAll(options),
    /** Tokens that expire within `days` days or expired within the last `days` days (the web's expiry banner). */
    listNearExpiry(user: User, days = 7): Promise<TokenInfo[]> {
      const now = clock.millis();
      return store.listExpiringBetween(user.id, dbTimeOf(now - days * DAY), dbTimeOf(now + days * DAY));
    },

    async get(user: User, id: number): Promise<TokenInfo> {
      return toTokenInfo(await getOwned(user, id));
    },

    /** Note and scopes may change; the expiration changes only by regenerating (as on GitHub). */
    async update(user: User, id: number, changes: { note?: string; scopes?: readonly string[] }, actor: AuditActor, ip?: string | null) {
      const row = await getOwned(user, id);
      const note = changes.note !== undefined ? validateNote(changes.note) : row.note;
      const scopes = changes.scopes !== undefined ? normalizeScopes(changes.scopes) : row.scopes.split(',').filter(Boolean);
      try {
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('access_tokens').set({ note, scopes: scopes.join(',') }).where('id', '=', id).execute();
          await audit.record(trx, {
            action: 'token.update',
            actor,
            user,
            tokenId: id,
            ip,
            data: { note, scopes, previous_note: row.note, previous_scopes: row.scopes.split(',').filter(Boolean) },
          });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw noteTaken(note);
        throw error;
      }
      return toTokenInfo((await store.findById(id))!);
    },

    /** A new secret with the same note and scopes; the old secret is dead the moment this commits. */
    async regenerate(user: User, id: number, expiration: ExpirationChoice, actor: AuditActor, ip?: string | null): Promise<IssuedToken> {
      const row = await getOwned(user, id);
      const now = clock.now();
      const expiresAt = resolveExpiration(expiration, now, maxLifetimeDays);
      const token = generateToken();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('access_tokens')
          .set({
            digest: digestOf(token),
            last_four: lastFourOf(token),
            expires_at: expiresAt ? toDbTime(expiresAt) : null,
            regenerated_at: toDbTime(now),
            notice_7d_at: null,
            notice_1d_at: null,
            notice_expired_at: null,
          })
          .where('id', '=', id)
          .execute();
        await audit.record(trx, {
          action: 'token.regenerate',
          actor,
          user,
          tokenId: id,
          ip,
          data: { note: row.note, expires_at: expiresAt ? toDbTime(expiresAt) : null, token_last_four: lastFourOf(token) },
        });
      });
      const info = toTokenInfo((await store.findById(id))!);
      deps.onIssued?.(user, info, true);
      return { token, info };
    },

    async delete(user: User, id: number, actor: AuditActor, ip?: string | null): Promise<void> {
      const row = await getOwned(user, id);
      await deleteRow(row, user, actor, 'deleted', ip);
    },

    /** Site administrators and the CLI revoke any token by id. */
    async revokeById(id: number, actor: AuditActor, reason = 'revoked'): Promise<TokenInfo> {
      const row = await store.findById(id);
      if (!row) throw notFound('token_not_found', `token ${id} does not exist`);
      const owner = await db.selectFrom('users').select(['id', 'login']).where('id', '=', row.user_id).executeTakeFirstOrThrow();
      await deleteRow(row, owner, actor, reason);
      return toTokenInfo(row);
    },

    async deleteAll(user: User, actor: AuditActor, ip?: string | null): Promise<number> {
      const rows = await db.selectFrom('access_tokens').selectAll().where('user_id', '=', user.id).execute();
      for (const row of rows) await deleteRow(row, user, actor, 'deleted_all', ip);
      return rows.length;
    },

    /**
     * What a presented token's text alone tells: null when its format or checksum is wrong, else
     * the key its lookup is kept under in memory. A function of the text only, so a caller that
     * meets the same text again (a keep-alive connection's header) may keep the answer.
     */
    examine,

    /**
     * Resolves a presented token, examined first (see `examine`): a malformed one never reaches the
     * database. An expired token answers like an unknown one (with `expired` set so the caller can
     * audit it).
     */
    resolve(candidate: string | ExaminedToken | null, reading?: StampReading): MaybeAsync<Resolution> {
      const examined = typeof candidate === 'string' ? examine(candidate) : candidate;
      if (!examined) return { status: 'malformed' };
      return whenReady(store.findBySecret(examined.secret, examined.memoryKey, digestOf, reading), statusOf);
    },

    /** Queued, never awaited by a request: written in batches, at most once a minute per token. */
    touchLastUsed(row: Readonly<PresentedToken>, ip: string | null, userAgent: string | null): void {
      const now = clock.millis();
      let last = lastUseKnown.get(row);
      if (last === undefined) {
        last = row.last_used_at === null ? Number.NEGATIVE_INFINITY : Date.parse(row.last_used_at);
        lastUseKnown.set(row, last);
      }
      if (last >= now - MINUTE) return;
      lastUseKnown.set(row, now);
      lastUsed.add(row.id, { tokenId: row.id, at: dbTimeOf(now), notBefore: dbTimeOf(now - MINUTE), ip, userAgent });
    },

    /** Writes the queued last-used times now (before shutdown; tests that read them). */
    flushLastUsed(): Promise<void> {
      return lastUsed.flush();
    },

    /** For the revoke-by-secret API and leak handling: deletes a live token given its secret. */
    async revokeBySecret(candidate: string, reason: string, data: Record<string, unknown> = {}): Promise<TokenInfo | null> {
      if (!isWellFormedToken(candidate)) return null;
      const found = await store.findByDigest(digestOf(candidate));
      // The whole row, for the answer: a lookup reads only what checking a token needs.
      const row = found && (await store.findById(found.token.id));
      if (!found || !row) return null;
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('access_tokens').where('id', '=', found.token.id).execute();
        await audit.record(trx, {
          action: reason === 'exposed' ? 'token.revoked_exposed' : 'token.delete',
          actor: null,
          user: { id: found.user.id, login: found.user.login },
          tokenId: found.token.id,
          data: { note: found.token.note, token_last_four: found.token.last_four, reason, ...data },
        });
      });
      return toTokenInfo(row);
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
