import type { FastifyReply } from 'fastify';
import type { Actor } from '../../domain/auth/actor.js';
import type { Repo } from '../../domain/repos/repo-store.js';
import { stampReadingOf } from '../request-auth.js';
import { setTokenHeaders } from '../token-headers.js';
import type { ApiContext } from './api-context.js';
import type { AccountRef } from './presenters/user-presenters.js';
import { presentRepo } from './presenters/repo-presenters.js';

/** Resolves OWNER/REPO for an action through the policy, and tells the client which scopes it accepts. */
export async function authorizeRepo(ctx: ApiContext, actor: Actor, reply: FastifyReply, owner: string, name: string, action: 'read' | 'write' | 'admin' | 'delete') {
  const result = await ctx.services.repos.authorize(actor, owner, name, action, stampReadingOf(reply.request));
  setTokenHeaders(reply, actor, result.acceptedScopes);
  return result;
}

/** Presents repositories with their owners (looked up once each) and the caller's permissions. */
export async function presentRepos(ctx: ApiContext, actor: Actor, repos: Repo[], options: { full?: boolean } = {}) {
  const owners = new Map<number, AccountRef>();
  const out = [];
  for (const repo of repos) {
    let owner = owners.get(repo.ownerId);
    if (!owner) {
      const user = await ctx.services.accounts.users.findById(repo.ownerId);
      owner = user ?? { id: repo.ownerId, login: repo.owner, type: repo.ownerType };
      owners.set(repo.ownerId, owner);
    }
    const permission = actor.kind === 'user' ? await ctx.services.repos.permissionFor(actor, repo) : undefined;
    out.push(presentRepo(ctx.urls(), repo, { owner, permission: permission ?? (actor.kind === 'user' ? 'none' : undefined), full: options.full }));
  }
  return out;
}

export async function presentOneRepo(ctx: ApiContext, actor: Actor, repo: Repo) {
  const [one] = await presentRepos(ctx, actor, [repo], { full: true });
  return one!;
}

export type RepoSort = 'created' | 'updated' | 'pushed' | 'full_name';

export function sortRepos(repos: Repo[], sort: RepoSort = 'full_name', direction?: 'asc' | 'desc'): Repo[] {
  const dir = direction ?? (sort === 'full_name' ? 'asc' : 'desc');
  const key = (r: Repo) =>
    sort === 'created' ? r.createdAt : sort === 'updated' ? r.updatedAt : sort === 'pushed' ? (r.pushedAt ?? r.createdAt) : r.fullName.toLowerCase();
  const sorted = [...repos].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
  return dir === 'asc' ? sorted : sorted.reverse();
}
