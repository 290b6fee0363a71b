import type { Kysely } from 'kysely';
import { compiledOnce } from '../../db/compiled-once.js';
import { type ChangeStamp, createReadCache, type MaybeAsync, type StampReading } from '../../db/read-cache.js';
import type { Database } from '../../db/schema.js';
import type { RepoPermission } from '../auth/policy.js';

/** How many repositories a user owns, by visibility (GET /user's counts). */
export interface RepoCounts {
  publicRepos: number;
  privateRepos: number;
}

export interface Repo {
  id: number;
  ownerId: number;
  owner: string;
  ownerType: 'User' | 'Organization';
  name: string;
  fullName: string;
  description: string | null;
  private: boolean;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  pushedAt: string | null;
}

const REPO_COLUMNS = ['r.id', 'r.owner_id', 'r.name', 'r.description', 'r.private', 'r.default_branch', 'r.created_at', 'r.updated_at', 'r.pushed_at'] as const;

/** SQL for repositories, their collaborators and old names. */
export function createRepoStore(db: Kysely<Database>, changeStamp: ChangeStamp | null = null) {
  // GET /api/v3/user counts the caller's repositories on every call: answered from memory while
  // the database is unchanged (see createReadCache).
  const counts = createReadCache<number, RepoCounts>(changeStamp);
  const base = () =>
    db
      .selectFrom('repos as r')
      .innerJoin('users as o', 'o.id', 'r.owner_id')
      // Named, not `r.*`: a prepared statement (PostgreSQL) whose columns change under it fails.
      .select(REPO_COLUMNS)
      .select(['o.login as owner_login', 'o.type as owner_type']);

  // Compiled once: GET /api/v3/user (every client's first call) counts the user's repositories.
  const countsByOwner = compiledOnce(db, (ownerId: number) =>
    db
      .selectFrom('repos')
      .select((eb) => ['private', eb.fn.countAll<number>().as('n')])
      .where('owner_id', '=', ownerId)
      .groupBy('private'),
  );

  // Every Git request (three per fetch) and most API calls name a repository: compiled once, and
  // answered from memory while the database is unchanged (see createReadCache).
  const byName = createReadCache<string, Repo | null>(changeStamp);
  const repoByName = compiledOnce(db, (lowerOwner: string, lowerName: string) =>
    base().where('o.lower_login', '=', lowerOwner).where('r.lower_name', '=', lowerName),
  );

  type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;
  const toRepo = (row: Row): Repo => ({
    id: row.id,
    ownerId: row.owner_id,
    owner: row.owner_login,
    ownerType: row.owner_type,
    name: row.name,
    fullName: `${row.owner_login}/${row.name}`,
    description: row.description,
    private: row.private === 1,
    defaultBranch: row.default_branch,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    pushedAt: row.pushed_at,
  });

  return {
    async findById(id: number): Promise<Repo | null> {
      const row = await base().where('r.id', '=', id).executeTakeFirst();
      return row ? toRepo(row) : null;
    },
    async findByName(owner: string, name: string, reading?: StampReading): Promise<Repo | null> {
      const lowerOwner = owner.toLowerCase();
      const lowerName = name.toLowerCase();
      const load = async () => {
        const [row] = await repoByName(lowerOwner, lowerName);
        // Frozen: every request naming this repository shares the object.
        return row ? Object.freeze(toRepo(row)) : null;
      };
      return byName(`${lowerOwner}/${lowerName}`, load, reading);
    },
    /** An old name of a renamed repository, still pointing at it. */
    async findRedirect(owner: string, name: string): Promise<Repo | null> {
      const row = await db
        .selectFrom('repo_redirects as d')
        .innerJoin('users as o', 'o.id', 'd.owner_id')
        .select('d.repo_id')
        .where('o.lower_login', '=', owner.toLowerCase())
        .where('d.lower_name', '=', name.toLowerCase())
        .executeTakeFirst();
      return row ? this.findById(row.repo_id) : null;
    },
    async listByOwner(ownerId: number): Promise<Repo[]> {
      return (await base().where('r.owner_id', '=', ownerId).orderBy('r.lower_name').execute()).map(toRepo);
    },
    /** Repositories the user owns, collaborates on, or reaches through an organization. */
    async listForMember(userId: number): Promise<Repo[]> {
      const rows = await base()
        .where((eb) =>
          eb.or([
            eb('r.owner_id', '=', userId),
            eb('r.id', 'in', eb.selectFrom('collaborators').select('repo_id').where('user_id', '=', userId)),
            eb('r.owner_id', 'in', eb.selectFrom('org_members').select('org_id').where('user_id', '=', userId)),
          ]),
        )
        .orderBy('o.lower_login')
        .orderBy('r.lower_name')
        .execute();
      return rows.map(toRepo);
    },
    /** How many public and private repositories an account owns, in one aggregate query. */
    countByOwner(ownerId: number, reading?: StampReading): MaybeAsync<RepoCounts> {
      const load = async () => {
        const rows = await countsByOwner(ownerId);
        const count = (flag: number) => Number(rows.find((r) => r.private === flag)?.n ?? 0);
        return { publicRepos: count(0), privateRepos: count(1) };
      };
      return counts(ownerId, load, reading);
    },
    async listAll(): Promise<Repo[]> {
      return (await base().orderBy('o.lower_login').orderBy('r.lower_name').execute()).map(toRepo);
    },
    /** The user's own standing on a repository: owner, org role, or collaborator permission. */
    async permissionOf(userId: number, repo: Repo): Promise<RepoPermission> {
      if (repo.ownerId === userId) return 'admin';
      let best: RepoPermission = 'none';
      if (repo.ownerType === 'Organization') {
        const member = await db.selectFrom('org_members').select('role').where('org_id', '=', repo.ownerId).where('user_id', '=', userId).executeTakeFirst();
        if (member) best = member.role === 'owner' ? 'admin' : 'read';
      }
      const collab = await db.selectFrom('collaborators').select('permission').where('repo_id', '=', repo.id).where('user_id', '=', userId).executeTakeFirst();
      if (collab && RANK[collab.permission] > RANK[best]) best = collab.permission;
      return best;
    },
    async listCollaborators(repoId: number) {
      return db
        .selectFrom('collaborators as c')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select(['u.id', 'u.login', 'c.permission', 'c.created_at'])
        .where('c.repo_id', '=', repoId)
        .orderBy('u.lower_login')
        .execute();
    },
  };
}

const RANK: Record<RepoPermission, number> = { none: 0, read: 1, write: 2, admin: 3 };

export type RepoStore = ReturnType<typeof createRepoStore>;
