import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/auth/actor.js';
import { canRepo, type RepoAction, type RepoPermission } from '../../domain/auth/policy.js';
import type { Services } from '../../domain/services.js';
import { createRepoReader } from '../../git/repo-reader.js';

export function repoParams(request: FastifyRequest): { owner: string; name: string } {
  const params = request.params as { owner: string; repo: string };
  return { owner: params.owner, name: params.repo };
}

/** Asks the policy (through the repository service) and opens a reader on the repository's storage. */
export async function openRepo(services: Services, actor: Actor, owner: string, name: string, action: RepoAction = 'read') {
  const access = await services.repos.authorize(actor, owner, name, action);
  const reader = createRepoReader(services.repos.storage.pathOf(access.repo.owner, access.repo.name));
  return { ...access, reader };
}

/** Whether pages show the repository's settings: the policy's answer, as for the settings routes. */
export function canAdminister(actor: Actor, repo: { private: boolean }, permission: RepoPermission): boolean {
  return canRepo(actor, 'admin', { private: repo.private, permission }).allow;
}

/** `main/docs/a.md` -> the longest ref that exists and the path after it (branch names may hold slashes). */
export async function splitRefAndPath(reader: ReturnType<typeof createRepoReader>, refAndPath: string) {
  const parts = refAndPath.split('/').filter((p) => p !== '');
  for (let i = Math.min(parts.length, 10); i >= 1; i--) {
    const ref = parts.slice(0, i).join('/');
    const commit = await reader.resolveCommit(ref);
    if (commit) return { ref, commit, path: parts.slice(i).join('/') };
  }
  return null;
}

/** Git's own heuristic: a NUL byte in the first 8000 bytes means binary. */
export function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}
