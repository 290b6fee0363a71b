import type { Kysely } from 'kysely';
import { compiledOnce } from '../../db/compiled-once.js';
import { type ChangeStamp, createReadCache, type StampReading } from '../../db/read-cache.js';
import type { Database, UserRow } from '../../db/schema.js';

export interface User {
  id: number;
  type: 'User' | 'Organization';
  login: string;
  email: string | null;
  name: string | null;
  siteAdmin: boolean;
  suspendedAt: string | null;
  notifyTokenExpiry: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a User is made of: the row less its password hash and the lowercased copies kept for lookups. */
export type UserFields = Omit<UserRow, 'password_hash' | 'lower_login' | 'lower_email'>;

export function toUser(row: UserFields): User {
  return {
    id: row.id,
    type: row.type,
    login: row.login,
    email: row.email,
    name: row.name,
    siteAdmin: row.site_admin === 1,
    suspendedAt: row.suspended_at,
    notifyTokenExpiry: row.notify_token_expiry === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const USER_COLUMNS = ['id', 'type', 'login', 'email', 'name', 'site_admin', 'suspended_at', 'notify_token_expiry', 'created_at', 'updated_at'] as const satisfies readonly (keyof UserFields)[];

/**
 * SQL for accounts (users and organizations share one namespace and one table). With a change
 * stamp, accounts by login are answered from memory while the database is unchanged (see
 * createReadCache), as frozen shared objects: profile pages and `GET /users/{username}` name one.
 */
export function createUserStore(db: Kysely<Database>, changeStamp: ChangeStamp | null = null) {
  const byLogin = createReadCache<string, User | null>(changeStamp);
  // Named columns, not `*`: a prepared statement (PostgreSQL) whose columns change under it fails,
  // and a profile lookup has no use for the password hash.
  const userByLogin = compiledOnce(db, (lowerLogin: string) => db.selectFrom('users').select(USER_COLUMNS).where('lower_login', '=', lowerLogin));
  return {
    async findById(id: number): Promise<User | null> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findByLogin(login: string, reading?: StampReading): Promise<User | null> {
      const key = login.toLowerCase();
      return byLogin(
        key,
        async () => {
          const [row] = await userByLogin(key);
          return row ? Object.freeze(toUser(row)) : null;
        },
        reading,
      );
    },
    /** Sign-in accepts a username or an email address. */
    async findCredentials(loginOrEmail: string): Promise<{ user: User; passwordHash: string | null } | null> {
      const key = loginOrEmail.trim().toLowerCase();
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('type', '=', 'User')
        .where((eb) => eb.or([eb('lower_login', '=', key), eb('lower_email', '=', key)]))
        .executeTakeFirst();
      return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
    },
    async passwordHashOf(id: number): Promise<string | null> {
      const row = await db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
      return row?.password_hash ?? null;
    },
    async list(options: { type?: 'User' | 'Organization'; since?: number; limit?: number } = {}): Promise<User[]> {
      let query = db.selectFrom('users').selectAll().orderBy('id');
      if (options.type) query = query.where('type', '=', options.type);
      if (options.since !== undefined) query = query.where('id', '>', options.since);
      if (options.limit !== undefined) query = query.limit(options.limit);
      return (await query.execute()).map(toUser);
    },
    async countAdmins(): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('site_admin', '=', 1)
        .where('type', '=', 'User')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
