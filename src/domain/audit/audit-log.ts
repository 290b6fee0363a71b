import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import { toDbTime } from '../../lib/time.js';
import { createWriteBehind } from '../../lib/write-behind.js';
import type { AuditEventRow, Database } from '../../db/schema.js';

/** Event names are part of the interface: tests, the security log page and the API read them. */
export type AuditAction =
  | 'token.create'
  | 'token.update'
  | 'token.regenerate'
  | 'token.delete'
  | 'token.expired_use'
  | 'token.leak_blocked'
  | 'token.revoked_exposed'
  | 'auth.failure'
  | 'user.create'
  | 'user.login'
  | 'user.login_failure'
  | 'user.logout'
  | 'user.password_change'
  | 'user.suspend'
  | 'user.unsuspend'
  | 'user.promote'
  | 'user.demote'
  | 'user.delete'
  | 'user.update'
  | 'org.create'
  | 'org.add_member'
  | 'org.remove_member'
  | 'repo.create'
  | 'repo.delete'
  | 'repo.rename'
  | 'repo.visibility'
  | 'repo.update'
  | 'repo.add_collaborator'
  | 'repo.remove_collaborator'
  | 'git.push';

/** Who did it: a user, or the command line. */
export type AuditActor = { id: number; login: string } | 'cli' | null;

export interface AuditEventInput {
  action: AuditAction;
  actor: AuditActor;
  /** The account the event concerns (a token's owner, say). */
  user?: { id: number; login: string } | null;
  repoId?: number | null;
  tokenId?: number | null;
  ip?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditEvent {
  id: number;
  action: string;
  actor: string | null;
  user: string | null;
  ip: string | null;
  count: number;
  created_at: string;
  data: Record<string, unknown>;
}

interface QueuedFailures {
  db: Kysely<Database>;
  ip: string;
  /** The first failure's reason in that minute (the row keeps one). */
  reason: string;
  minuteStart: string;
  at: string;
  count: number;
}

/** Adds queued counts to the IP's row for that minute, or starts the row. */
async function writeFailures(db: Kysely<Database>, entry: QueuedFailures): Promise<void> {
  const { ip, minuteStart, count } = entry;
  const updated = await db
    .updateTable('audit_events')
    .set((eb) => ({ count: eb('count', '+', count) }))
    .where('action', '=', 'auth.failure')
    .where('ip', '=', ip)
    .where('created_at', '>=', minuteStart)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  await db
    .insertInto('audit_events')
    .values({
      action: 'auth.failure',
      actor_id: null,
      actor: null,
      user_id: null,
      user: null,
      repo_id: null,
      token_id: null,
      ip,
      count,
      data: JSON.stringify({ reason: entry.reason }),
      created_at: entry.at,
    })
    .execute();
}

export function createAuditLog(clock: Clock) {
  const failures = createWriteBehind<string, QueuedFailures>({
    merge: (queued, next) => ({ ...queued, count: queued.count + next.count }),
    // A batch is one transaction (per database: there is one in practice), so a flood of failures
    // costs one commit per batch.
    write: async (entries) => {
      for (const db of new Set(entries.map((entry) => entry.db))) {
        await db.transaction().execute(async (trx) => {
          for (const entry of entries) if (entry.db === db) await writeFailures(trx, entry);
        });
      }
    },
  });
  return {
    /** Appends an event; pass the transaction that makes the change, so both land or neither. */
    async record(db: Kysely<Database>, event: AuditEventInput): Promise<void> {
      const actor = event.actor;
      await db
        .insertInto('audit_events')
        .values({
          action: event.action,
          actor_id: typeof actor === 'object' && actor ? actor.id : null,
          actor: actor === 'cli' ? 'cli' : (actor?.login ?? null),
          user_id: event.user?.id ?? null,
          user: event.user?.login ?? null,
          repo_id: event.repoId ?? null,
          token_id: event.tokenId ?? null,
          ip: event.ip ?? null,
          count: 1,
          data: JSON.stringify(event.data ?? {}),
          created_at: toDbTime(clock.now()),
        })
        .execute();
    },

    /**
     * Authentication failures are aggregated: one row per IP per minute, with a count, so a flood
     * of bad credentials cannot flood the table. Queued and counted in memory, written in batches
     * (see createWriteBehind): a flood costs no write transaction per request either.
     */
    recordAuthFailure(db: Kysely<Database>, ip: string, reason: string): void {
      const now = clock.now();
      const minuteStart = toDbTime(new Date(Math.floor(now.getTime() / 60_000) * 60_000));
      failures.add(`${ip}\u0000${minuteStart}`, { db, ip, reason, minuteStart, at: toDbTime(now), count: 1 });
    },

    /** Writes queued failure counts now (before shutdown; tests that read them). */
    flush(): Promise<void> {
      return failures.flush();
    },

    /** Events where the user is the actor or the owner of what was acted on, newest first. */
    async list(db: Kysely<Database>, options: { userId?: number; limit?: number } = {}): Promise<AuditEvent[]> {
      let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(options.limit ?? 100);
      if (options.userId !== undefined) {
        const id = options.userId;
        query = query.where((eb) => eb.or([eb('user_id', '=', id), eb('actor_id', '=', id)]));
      }
      return (await query.execute()).map(toAuditEvent);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    action: row.action,
    actor: row.actor,
    user: row.user,
    ip: row.ip,
    count: row.count,
    created_at: row.created_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}
