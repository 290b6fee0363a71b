import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/open-database.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, GitgateError, notFound } from '../../lib/errors.js';
import { toDbTime } from '../../lib/time.js';
import { validateLogin } from '../accounts/account-rules.js';
import type { User, UserStore } from '../accounts/user-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { auditActorOfCaller, type Caller } from '../auth/actor.js';
import { canOrg, canUseScopes, enforce, type OrgRole } from '../auth/policy.js';
import { orgRole } from '../repos/repo-service.js';

export interface OrgMember {
  user: User;
  role: 'owner' | 'member';
}

export function createOrgService(deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog; users: UserStore }) {
  const { db, clock, audit, users } = deps;

  async function getOrg(login: string): Promise<User> {
    const org = await users.findByLogin(login);
    if (org?.type !== 'Organization') throw notFound('org_not_found', `organization "${login}" does not exist`);
    return org;
  }

  async function roleOf(caller: Caller, org: User): Promise<OrgRole> {
    if (caller.kind === 'system') return 'owner';
    if (caller.kind === 'anonymous') return null;
    return orgRole(db, org.id, caller.user.id);
  }

  return {
    getOrg,
    roleOf,

    /** The creator becomes the first owner. */
    async create(caller: Caller, login: string, owner: User, email: string | null = null): Promise<User> {
      enforce(canUseScopes(caller, caller.kind === 'user' && caller.via === 'token' ? ['admin:org'] : []));
      validateLogin(login.trim(), 'login');
      const now = toDbTime(clock.now());
      try {
        const id = await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('users')
            .values({
              type: 'Organization',
              login: login.trim(),
              lower_login: login.trim().toLowerCase(),
              email,
              lower_email: null,
              name: null,
              password_hash: null,
              site_admin: 0,
              suspended_at: null,
              notify_token_expiry: 0,
              created_at: now,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await trx.insertInto('org_members').values({ org_id: row.id, user_id: owner.id, role: 'owner', created_at: now }).execute();
          await audit.record(trx, { action: 'org.create', actor: auditActorOfCaller(caller), user: owner, data: { org: login.trim() } });
          return row.id;
        });
        return (await users.findById(id))!;
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('login_taken', 'login', `name "${login}" is already taken`);
        throw error;
      }
    },

    async members(orgLogin: string): Promise<OrgMember[]> {
      const org = await getOrg(orgLogin);
      const rows = await db
        .selectFrom('org_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .selectAll('u')
        .select('m.role as role')
        .where('m.org_id', '=', org.id)
        .orderBy('u.lower_login')
        .execute();
      return Promise.all(rows.map(async (row) => ({ user: (await users.findById(row.id))!, role: row.role })));
    },

    async orgsOf(userId: number): Promise<{ org: User; role: 'owner' | 'member' }[]> {
      const rows = await db.selectFrom('org_members').select(['org_id', 'role']).where('user_id', '=', userId).execute();
      const out = [];
      for (const row of rows) out.push({ org: (await users.findById(row.org_id))!, role: row.role });
      return out.sort((a, b) => a.org.login.localeCompare(b.org.login));
    },

    /** Adds a member or changes a member's role. */
    async setMember(caller: Caller, orgLogin: string, login: string, role: 'owner' | 'member'): Promise<void> {
      const org = await getOrg(orgLogin);
      enforce(canOrg(caller, 'admin', { role: await roleOf(caller, org) }));
      const user = await users.findByLogin(login);
      if (user?.type !== 'User') throw notFound('user_not_found', `user "${login}" does not exist`);
      await db.transaction().execute(async (trx) => {
        const existing = await orgRole(trx, org.id, user.id);
        if (existing === 'owner' && role === 'member') await assertAnotherOwner(trx, org.id, user.id);
        await trx.deleteFrom('org_members').where('org_id', '=', org.id).where('user_id', '=', user.id).execute();
        await trx.insertInto('org_members').values({ org_id: org.id, user_id: user.id, role, created_at: toDbTime(clock.now()) }).execute();
        await audit.record(trx, { action: 'org.add_member', actor: auditActorOfCaller(caller), user, data: { org: org.login, role } });
      });
    },

    async removeMember(caller: Caller, orgLogin: string, login: string): Promise<void> {
      const org = await getOrg(orgLogin);
      enforce(canOrg(caller, 'admin', { role: await roleOf(caller, org) }));
      const user = await users.findByLogin(login);
      if (!user) throw notFound('user_not_found', `user "${login}" does not exist`);
      await db.transaction().execute(async (trx) => {
        if ((await orgRole(trx, org.id, user.id)) === 'owner') await assertAnotherOwner(trx, org.id, user.id);
        await trx.deleteFrom('org_members').where('org_id', '=', org.id).where('user_id', '=', user.id).execute();
        await audit.record(trx, { action: 'org.remove_member', actor: auditActorOfCaller(caller), user, data: { org: org.login } });
      });
    },
  };
}

async function assertAnotherOwner(db: Kysely<Database>, orgId: number, userId: number) {
  const other = await db.selectFrom('org_members').select('user_id').where('org_id', '=', orgId).where('role', '=', 'owner').where('user_id', '!=', userId).executeTakeFirst();
  if (!other) throw new GitgateError('conflict', 'last_owner', 'An organization must keep at least one owner.');
}

export type OrgService = ReturnType<typeof createOrgService>;
