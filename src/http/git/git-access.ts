import fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { type Actor, hasScope } from '../../domain/auth/actor.js';
import type { AuthFailure } from '../../domain/auth/authenticate.js';
import { type Denial, PolicyDenied, type RepoAction } from '../../domain/auth/policy.js';
import type { Repo } from '../../domain/repos/repo-store.js';
import type { Services } from '../../domain/services.js';
import { authenticateHeader, stampReadingOf } from '../request-auth.js';
import { setTokenHeaders } from '../token-headers.js';
import { answerText } from './git-answers.js';
import type { GitTarget } from './git-target.js';

export interface GitAccess {
  actor: Actor;
  repo: Repo;
  repoDir: string;
}

interface AccessDeps {
  services: Services;
  config: Config;
}

/**
 * Authenticates the request and asks the policy for `action` on the target repository. On refusal
 * the answer is sent here (mapped from the failure or denial reason) and null is returned.
 */
export async function authorizeGitRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AccessDeps,
  target: GitTarget,
  action: RepoAction,
): Promise<GitAccess | null> {
  const auth = await authenticateHeader(request, deps.services);
  if (!auth.ok) {
    answerAuthFailure(reply, deps.config, auth.failure);
    return null;
  }
  const { actor } = auth;
  let authorized: Awaited<ReturnType<Services['repos']['authorize']>>;
  try {
    authorized = await deps.services.repos.authorize(actor, target.owner, target.name, action, stampReadingOf(request));
  } catch (error) {
    if (!(error instanceof PolicyDenied)) throw error;
    setTokenHeaders(reply, actor, error.denial.acceptedScopes);
    await answerDenial(reply, deps.services, actor, target, action, error.denial);
    return null;
  }
  setTokenHeaders(reply, actor, authorized.acceptedScopes);
  const { repo } = authorized;
  const repoDir = deps.services.repos.storage.pathOf(repo.owner, repo.name);
  // A stat, not fs.access: the thread pool's round trip would cost more than the lookup itself.
  if (!fs.statSync(repoDir, { throwIfNoEntry: false })?.isDirectory()) {
    request.log.error({ repo: repo.fullName }, 'repository directory is missing');
    answerText(reply, 404, NOT_FOUND);
    return null;
  }
  return { actor, repo, repoDir };
}

function answerAuthFailure(reply: FastifyReply, config: Config, failure: AuthFailure) {
  switch (failure.reason) {
    case 'bad_credentials':
    case 'password_auth_disabled':
      // git tells its credential helper to erase the stored credential on this 401.
      return answerText(
        reply,
        401,
        `Invalid username or token. Password authentication is not supported for Git operations. Create a personal access token at ${config.baseUrl}/settings/tokens`,
        { challenge: true },
      );
    case 'suspended':
      return answerText(reply, 403, 'Your account is suspended.');
    case 'throttled':
      return answerText(reply, 429, `Too many failed authentication attempts. Try again in ${failure.retryAfterSeconds} seconds.`, {
        retryAfterSeconds: failure.retryAfterSeconds,
      });
  }
}

const NOT_FOUND = 'Repository not found.';

async function answerDenial(reply: FastifyReply, services: Services, actor: Actor, target: GitTarget, action: RepoAction, denial: Denial) {
  if (actor.kind === 'anonymous') {
    // Never a 404 to anonymous git: it would stop before ever sending the token (docs/decisions).
    const message = denial.reason === 'not_found' ? NOT_FOUND : `Authentication required: ${verbOf(action)} ${target.owner}/${target.name} needs a personal access token.`;
    return answerText(reply, 401, message, { challenge: true });
  }
  if (denial.reason === 'not_found' || denial.reason === 'unauthenticated') {
    const hint =
      actor.via === 'token' && !hasScope(actor, 'repo')
        ? '\nIf the repository is private, the personal access token needs the repo scope.'
        : '';
    return answerText(reply, 404, `${NOT_FOUND}${hint}`);
  }
  // The repository is visible to this actor: naming it reveals nothing.
  const fullName = await canonicalName(services, target);
  if (denial.reason === 'forbidden_permission') {
    return answerText(reply, 403, `Permission to ${fullName}.git denied to ${actor.user.login}.`);
  }
  const scopes = actor.token ? actor.token.scopes.join(', ') : '';
  return answerText(
    reply,
    403,
    `The token's scopes (${scopes}) do not allow ${verbOf(action)} ${fullName}. Needs: ${denial.acceptedScopes.join(' or ')}.`,
  );
}

function verbOf(action: RepoAction): string {
  return action === 'read' ? 'reading' : 'pushing to';
}

async function canonicalName(services: Services, target: GitTarget): Promise<string> {
  const repo = (await services.repos.store.findByName(target.owner, target.name)) ?? (await services.repos.store.findRedirect(target.owner, target.name));
  return repo ? repo.fullName : `${target.owner}/${target.name}`;
}
