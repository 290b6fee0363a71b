import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/open-database.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, GitgateError, invalid, notFound } from '../../lib/errors.js';
import { toDbTime } from '../../lib/time.js';
import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import { validateEmail, validateLogin, validatePassword } from './account-rules.js';
import { createUserStore, type User, type UserStore } from './user-store.js';

export interface NewUser {
  login: string;
  email: string;
  password: string | null;
  name?: string | null;
  siteAdmin?: boolean;
}

// A hash of a random password, verified against when the account does not exist, so a sign-in for
// an unknown user costs as long as one for a known user (no user enumeration by timing).
let dummyHash: Promise<string> | null = null;

// @node-rs/argon2 is a native library (~7 MB resident): it loads with the first password hashed or
// checked, so a server that only sees tokens never maps it.
const hash = async (password: string) => (await import('@node-rs/argon2')).hash(password);
const verify = async (digest: string, password: string) => (await import('@node-rs/argon2')).verify(digest, password);

export function createAccountService(deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog; users: UserStore }) {
  const { db, clock, audit, users } = deps;

  async function getUser(login: string): Promise<User> {
    const user = await users.findByLogin(login);
    if (user?.type !== 'User') throw notFound('user_not_found', `user "${login}" does not exist`);
    return user;
  }

  async function setFlag(
    login: string,
    actor: AuditActor,
    change: Partial<Pick<Database['users'], 'site_admin' | 'suspended_at'>>,
    action: 'user.suspend' | 'user.unsuspend' | 'user.promote' | 'user.demote',
  ) {
    const user = await getUser(login);
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ ...change, updated_at: toDbTime(clock.now()) } as never)
        .where('id', '=', user.id)
        .execute();
      // A suspended user's web sessions end at once; tokens are refused at authentication.
      if (action === 'user.suspend') await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
      await audit.record(trx, { action, actor, user });
    });
    return (await users.findById(user.id))!;
  }

  return {
    users,
    getUser,

    async createUser(input: NewUser, actor: AuditActor): Promise<User> {
      const login = validateLogin(input.login.trim(), 'login');
      const email = validateEmail(input.email);
      const passwordHash = input.password === null ? null : await hash(validatePassword(input.password));
      const now = toDbTime(clock.now());
      try {
        return await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('users')
            .values({
              type: 'User',
              login,
              lower_login: login.toLowerCase(),
              email,
              lower_email: email.toLowerCase(),
              name: input.name ?? null,
              password_hash: passwordHash,
              site_admin: input.siteAdmin ? 1 : 0,
              suspended_at: null,
              notify_token_expiry: 1,
              created_at: now,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await audit.record(trx, { action: 'user.create', actor, user: { id: row.id, login }, data: { site_admin: !!input.siteAdmin } });
          return (await createUserStore(trx).findById(row.id))!;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (await users.findByLogin(login)) throw conflict('login_taken', 'login', `username "${login}" is already taken`);
        throw conflict('email_taken', 'email', `email "${email}" is already in use`);
      }
    },

    /** Checks a password; returns the user only when it matches. Always costs one argon2 verify. */
    async verifyPassword(loginOrEmail: string, password: string): Promise<User | null> {
      const found = await users.findCredentials(loginOrEmail);
      if (!found?.passwordHash) {
        dummyHash ??= hash('not-a-real-password-used-for-timing-only');
        await verify(await dummyHash, password).catch(() => false);
        return null;
      }
      const ok = await verify(found.passwordHash, password).catch(() => false);
      return ok ? found.user : null;
    },

    async setPassword(login: string, password: string, actor: AuditActor): Promise<void> {
      const user = await getUser(login);
      const passwordHash = await hash(validatePassword(password));
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, updated_at: toDbTime(clock.now()) })
          .where('id', '=', user.id)
          .execute();
        // A password change ends every session: whoever knew the old one is signed out.
        await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
        await audit.record(trx, { action: 'user.password_change', actor, user });
      });
    },

    async updateProfile(user: User, changes: { name?: string | null; email?: string }, actor: AuditActor): Promise<User> {
      const email = changes.email !== undefined ? validateEmail(changes.email) : undefined;
      if (changes.name !== undefined && changes.name !== null && changes.name.length > 255) {
        throw invalid('name_too_long', 'name', 'Name is too long (maximum is 255 characters).');
      }
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('users')
            .set({
              ...(changes.name !== undefined ? { name: changes.name === '' ? null : changes.name } : {}),
              ...(email !== undefined ? { email, lower_email: email.toLowerCase() } : {}),
              updated_at: toDbTime(clock.now()),
            })
            .where('id', '=', user.id)
            .execute();
          await audit.record(trx, { action: 'user.update', actor, user, data: { fields: Object.keys(changes) } });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('email_taken', 'email', `email "${email}" is already in use`);
        throw error;
      }
      return (await users.findById(user.id))!;
    },

    suspend: (login: string, actor: AuditActor) => setFlag(login, actor, { suspended_at: toDbTime(clock.now()) }, 'user.suspend'),
    unsuspend: (login: string, actor: AuditActor) => setFlag(login, actor, { suspended_at: null }, 'user.unsuspend'),
    promote: (login: string, actor: AuditActor) => setFlag(login, actor, { site_admin: 1 }, 'user.promote'),
    demote: (login: string, actor: AuditActor) => setFlag(login, actor, { site_admin: 0 }, 'user.demote'),

    /** Deletes a user with their sessions and tokens; refuses while they own repositories or are an org's last owner. */
    async deleteUser(login: string, actor: AuditActor): Promise<void> {
      const user = await getUser(login);
      const repos = await db.selectFrom('repos').select('name').where('owner_id', '=', user.id).orderBy('name').execute();
      if (repos.length > 0) {
        throw new GitgateError(
          'conflict',
          'user_owns_repos',
          `user "${user.login}" still owns repositories: ${repos.map((r) => `${user.login}/${r.name}`).join(', ')}`,
        );
      }
      const soleOwnerOf = await db
        .selectFrom('org_members as m')
        .innerJoin('users as o', 'o.id', 'm.org_id')
        .select('o.login')
        .where('m.user_id', '=', user.id)
        .where('m.role', '=', 'owner')
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('org_members as other')
                .select('other.user_id')
                .whereRef('other.org_id', '=', 'm.org_id')
                .where('other.role', '=', 'owner')
                .where('other.user_id', '!=', user.id),
            ),
          ),
        )
        .execute();
      if (soleOwnerOf.length > 0) {
        throw new GitgateError(
          'conflict',
          'user_last_org_owner',
          `user "${user.login}" is the last owner of organization ${soleOwnerOf.map((o) => o.login).join(', ')}`,
        );
      }
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
        await trx.deleteFrom('access_tokens').where('user_id', '=', user.id).execute();
        await trx.deleteFrom('users').where('id', '=', user.id).execute();
        await audit.record(trx, { action: 'user.delete', actor, user: null, data: { login: user.login, id: user.id } });
      });
    },

    async setNotifyTokenExpiry(user: User, enabled: boolean): Promise<void> {
      await db.updateTable('users').set({ notify_token_expiry: enabled ? 1 : 0 }).where('id', '=', user.id).execute();
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
