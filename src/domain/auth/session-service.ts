import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Clock, DAY, HOUR, MINUTE } from '../../lib/clock.js';
import { hmacSha256, randomUrlSafe } from '../../lib/crypto.js';
import { toDbTime } from '../../lib/time.js';
import type { User, UserStore } from '../accounts/user-store.js';

export const SESSION_LIFETIME_MS = 14 * DAY;
export const SUDO_WINDOW_MS = 2 * HOUR;

export interface Session {
  id: number;
  user: User;
  sudoAt: string | null;
}

/**
 * Web sessions live in the database (every instance sees them); the cookie holds a random id whose
 * keyed digest is stored, so a copy of the database cannot be replayed as cookies.
 */
export function createSessionService(deps: { db: Kysely<Database>; clock: Clock; secretKey: Buffer; users: UserStore }) {
  const { db, clock, secretKey, users } = deps;
  const digestOf = (value: string) => hmacSha256(secretKey, `session:${value}`).toString('hex');

  return {
    async create(user: User, ip: string | null, userAgent: string | null): Promise<string> {
      const secret = randomUrlSafe(32);
      const now = clock.now();
      await db
        .insertInto('sessions')
        .values({
          digest: digestOf(secret),
          user_id: user.id,
          created_at: toDbTime(now),
          last_seen_at: toDbTime(now),
          // Signing in proves the password: sudo mode starts now.
          sudo_at: toDbTime(now),
          expires_at: toDbTime(new Date(now.getTime() + SESSION_LIFETIME_MS)),
          ip,
          user_agent: userAgent?.slice(0, 255) ?? null,
        })
        .execute();
      return secret;
    },

    /** The live session for a cookie value; a suspended user's sessions are dead. */
    async find(secret: string): Promise<Session | null> {
      if (secret.length < 20 || secret.length > 100) return null;
      const row = await db.selectFrom('sessions').selectAll().where('digest', '=', digestOf(secret)).executeTakeFirst();
      const now = clock.now();
      if (!row || row.expires_at <= toDbTime(now)) return null;
      const user = await users.findById(row.user_id);
      if (!user || user.suspendedAt !== null) return null;
      if (now.getTime() - new Date(row.last_seen_at).getTime() > MINUTE) {
        db.updateTable('sessions').set({ last_seen_at: toDbTime(now) }).where('id', '=', row.id).execute().catch(() => {});
      }
      return { id: row.id, user, sudoAt: row.sudo_at };
    },

    isSudo(session: Session): boolean {
      return session.sudoAt !== null && clock.millis() - new Date(session.sudoAt).getTime() < SUDO_WINDOW_MS;
    },

    async confirmSudo(session: Session): Promise<void> {
      await db.updateTable('sessions').set({ sudo_at: toDbTime(clock.now()) }).where('id', '=', session.id).execute();
    },

    async destroy(secret: string): Promise<void> {
      await db.deleteFrom('sessions').where('digest', '=', digestOf(secret)).execute();
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
