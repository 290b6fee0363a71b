import type { Kysely } from 'kysely';
import type { ChangeStamp, StampReading } from '../../db/read-cache.js';
import { isUniqueViolation } from '../../db/open-database.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { toDbTime } from '../../lib/time.js';
import type { RepoStorage } from '../../git/repo-storage.js';
import type { UserStore } from '../accounts/user-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { auditActorOfCaller, type Caller } from '../auth/actor.js';
import { canCreateOwnRepo, canOrg, canRepo, enforce, type RepoAction, type RepoPermission } from '../auth/policy.js';
import { createRepoStore, type Repo } from './repo-store.js';
import { validateDescription, validateRepoName } from './repo-rules.js';

export const DEFAULT_BRANCH = 'main';

export interface NewRepo {
  name: string;
  description?: string | null;
  private?: boolean;
}

export interface RefUpdate {
  ref: string;
  oldSha: string;
  newSha: string;
}

export function createRepoService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  storage: RepoStorage;
  changeStamp?: ChangeStamp | null;
  users: UserStore;
  onMadePublic?: (repo: Repo) => Promise<void>;
}) {
  const { db, clock, audit, storage, users } = deps;
  const store = createRepoStore(db, deps.changeStamp ?? null);

  async function permissionFor(caller: Caller, repo: Repo): Promise<RepoPermission> {
    if (caller.kind === 'system') return 'admin';
    if (caller.kind === 'anonymous') return 'none';
    return store.permissionOf(caller.user.id, repo);
  }

  /** Resolves OWNER/NAME (old names of renamed repositories included) and asks the policy. */
  async function authorize(caller: Caller, owner: string, name: string, action: RepoAction, reading?: StampReading) {
    const repo = (await store.findByName(owner, name, reading)) ?? (await store.findRedirect(owner, name));
    const permission = repo ? await permissionFor(caller, repo) : 'none';
    const decision = canRepo(caller, action, repo ? { private: repo.private, permission } : null);
    enforce(decision);
    return { repo: repo!, permission, acceptedScopes: decision.acceptedScopes };
  }

  async function isVisible(caller: Caller, repo: Repo): Promise<boolean> {
    if (!repo.private) return true;
    return canRepo(caller, 'read', { private: true, permission: await permissionFor(caller, repo) }).allow;
  }

  async function filterVisible(caller: Caller, repos: Repo[]): Promise<Repo[]> {
    const out: Repo[] = [];
    for (const repo of repos) if (await isVisible(caller, repo)) out.push(repo);
    return out;
  }

  return {
    store,
    storage,
    authorize,
    permissionFor,
    isVisible,

    async create(caller: Caller, ownerLogin: string, input: NewRepo): Promise<Repo> {
      const name = validateRepoName(input.name.trim());
      const description = validateDescription(input.description);
      const isPrivate = input.private ?? false;
      const owner = await users.findByLogin(ownerLogin);
      if (!owner) throw notFound('owner_not_found', `owner "${ownerLogin}" does not exist`);
      if (owner.type === 'Organization') {
        const role = caller.kind === 'user' ? await orgRole(db, owner.id, caller.user.id) : null;
        enforce(canOrg(caller, 'create_repo', { role }, isPrivate));
      } else {
        if (caller.kind === 'user' && caller.user.id !== owner.id) throw invalid('owner_not_you', 'owner', 'You can only create repositories for yourself or organizations you belong to.');
        enforce(canCreateOwnRepo(caller, isPrivate));
      }
      const now = toDbTime(clock.now());
      let id: number;
      try {
        id = await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('repos')
            .values({
              owner_id: owner.id,
              name,
              lower_name: name.toLowerCase(),
              description,
              private: isPrivate ? 1 : 0,
              default_branch: DEFAULT_BRANCH,
              created_at: now,
              updated_at: now,
              pushed_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          // A new repository takes its name back from any renamed one that left a redirect behind.
          await trx.deleteFrom('repo_redirects').where('owner_id', '=', owner.id).where('lower_name', '=', name.toLowerCase()).execute();
          await audit.record(trx, { action: 'repo.create', actor: auditActorOfCaller(caller), user: owner, repoId: row.id, data: { full_name: `${owner.login}/${name}`, private: isPrivate } });
          await storage.create(owner.login, name, DEFAULT_BRANCH);
          return row.id;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('repo_exists', 'name', 'name already exists on this account');
        throw error;
      }
      return (await store.findById(id))!;
    },

    async update(caller: Caller, repo: Repo, changes: { name?: string; description?: string | null; private?: boolean; defaultBranch?: string }): Promise<Repo> {
      enforce(canRepo(caller, 'admin', { private: repo.private, permission: await permissionFor(caller, repo) }));
      const actor = auditActorOfCaller(caller);
      const now = toDbTime(clock.now());
      const name = changes.name !== undefined ? validateRepoName(changes.name.trim()) : repo.name;
      const description = changes.description !== undefined ? validateDescription(changes.description) : repo.description;
      if (changes.defaultBranch !== undefined && !/^[A-Za-z0-9._/-]{1,255}$/.test(changes.defaultBranch)) {
        throw invalid('branch_invalid', 'default_branch', 'Not a valid branch name.');
      }
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('repos')
            .set({
              name,
              lower_name: name.toLowerCase(),
              description,
              private: (changes.private ?? repo.private) ? 1 : 0,
              default_branch: changes.defaultBranch ?? repo.defaultBranch,
              updated_at: now,
            })
            .where('id', '=', repo.id)
            .execute();
          const owner = { id: repo.ownerId, login: repo.owner };
          if (name !== repo.name) {
            await trx.deleteFrom('repo_redirects').where('owner_id', '=', repo.ownerId).where('lower_name', '=', name.toLowerCase()).execute();
            if (name.toLowerCase() !== repo.name.toLowerCase()) {
              await trx.insertInto('repo_redirects').values({ owner_id: repo.ownerId, lower_name: repo.name.toLowerCase(), repo_id: repo.id }).execute();
            }
            await audit.record(trx, { action: 'repo.rename', actor, user: owner, repoId: repo.id, data: { from: repo.fullName, to: `${repo.owner}/${name}` } });
            await storage.rename(repo.owner, repo.name, name);
          }
          if (changes.private !== undefined && changes.private !== repo.private) {
            await audit.record(trx, { action: 'repo.visibility', actor, user: owner, repoId: repo.id, data: { full_name: `${repo.owner}/${name}`, private: changes.private } });
          }
          if (changes.description !== undefined || changes.defaultBranch !== undefined) {
            await audit.record(trx, { action: 'repo.update', actor, user: owner, repoId: repo.id, data: { fields: Object.keys(changes) } });
          }
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('repo_exists', 'name', 'name already exists on this account');
        throw error;
      }
      const updated = (await store.findById(repo.id))!;
      if (repo.private && !updated.private) await deps.onMadePublic?.(updated);
      return updated;
    },

    /** The row goes first; the directory is removed only once the deletion has committed. */
    async delete(caller: Caller, repo: Repo): Promise<void> {
      enforce(canRepo(caller, 'delete', { private: repo.private, permission: await permissionFor(caller, repo) }));
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('repo_redirects').where('repo_id', '=', repo.id).execute();
        await trx.deleteFrom('collaborators').where('repo_id', '=', repo.id).execute();
        await trx.deleteFrom('repos').where('id', '=', repo.id).execute();
        await audit.record(trx, { action: 'repo.delete', actor: auditActorOfCaller(caller), user: { id: repo.ownerId, login: repo.owner }, repoId: repo.id, data: { full_name: repo.fullName } });
      });
      await storage.remove(repo.owner, repo.name);
    },

    async setCollaborator(caller: Caller, repo: Repo, login: string, permission: 'read' | 'write' | 'admin' | null): Promise<void> {
      enforce(canRepo(caller, 'admin', { private: repo.private, permission: await permissionFor(caller, repo) }));
      const user = await users.findByLogin(login);
      if (user?.type !== 'User') throw notFound('user_not_found', `user "${login}" does not exist`);
      if (user.id === repo.ownerId) throw invalid('collaborator_is_owner', 'username', 'The owner of a repository cannot be a collaborator on it.');
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('collaborators').where('repo_id', '=', repo.id).where('user_id', '=', user.id).execute();
        if (permission) {
          await trx.insertInto('collaborators').values({ repo_id: repo.id, user_id: user.id, permission, created_at: toDbTime(clock.now()) }).execute();
        }
        await audit.record(trx, {
          action: permission ? 'repo.add_collaborator' : 'repo.remove_collaborator',
          actor: auditActorOfCaller(caller),
          user: { id: repo.ownerId, login: repo.owner },
          repoId: repo.id,
          data: { full_name: repo.fullName, collaborator: user.login, permission },
        });
      });
    },

    /** An owner's repositories that the caller can see. */
    async listForOwner(caller: Caller, ownerLogin: string): Promise<Repo[]> {
      const owner = await users.findByLogin(ownerLogin);
      if (!owner) throw notFound('owner_not_found', `owner "${ownerLogin}" does not exist`);
      return filterVisible(caller, await store.listByOwner(owner.id));
    },

    /** The repositories the user owns, collaborates on, or reaches through organizations, as the caller may see them. */
    async listForMember(caller: Caller, userId: number): Promise<Repo[]> {
      return filterVisible(caller, await store.listForMember(userId));
    },

    async listAll(): Promise<Repo[]> {
      return store.listAll();
    },

    async recordPush(repo: Repo, caller: Caller, updates: RefUpdate[], tokenId: number | null, ip: string | null): Promise<void> {
      const now = toDbTime(clock.now());
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('repos').set({ pushed_at: now, updated_at: now }).where('id', '=', repo.id).execute();
        await audit.record(trx, {
          action: 'git.push',
          actor: auditActorOfCaller(caller),
          user: { id: repo.ownerId, login: repo.owner },
          repoId: repo.id,
          tokenId,
          ip,
          data: { full_name: repo.fullName, refs: updates.map((u) => ({ ref: u.ref, old: u.oldSha, new: u.newSha })) },
        });
      });
    },
  };
}

export async function orgRole(db: Kysely<Database>, orgId: number, userId: number): Promise<'owner' | 'member' | null> {
  const row = await db.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row?.role ?? null;
}

export type RepoService = ReturnType<typeof createRepoService>;
