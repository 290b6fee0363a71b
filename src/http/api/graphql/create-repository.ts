import type { Repo } from '../../../domain/repos/repo-store.js';
import { decodeNodeId } from '../presenters/node-id.js';
import type { GraphQLContext } from './graphql-context.js';
import { GitHubGraphQLError, toGitHubError } from './graphql-errors.js';

export interface CreateRepositoryInput {
  name: string;
  ownerId?: string | null;
  description?: string | null;
  visibility: 'PRIVATE' | 'PUBLIC' | 'INTERNAL';
  template?: boolean | null;
  homepageUrl?: string | null;
  hasWikiEnabled?: boolean | null;
  hasIssuesEnabled?: boolean | null;
  teamId?: string | null;
  clientMutationId?: string | null;
}

/**
 * `createRepository`: the same service call as `POST /user/repos` and `POST /orgs/{org}/repos`,
 * so the same policy (a private repository needs `repo`; an organization needs membership) and the
 * same audit event. `ownerId` is a node id as REST's `node_id` gives it. Issues, wiki and homepage
 * are accepted and have no effect (Gitgate has none of them), as in the REST API.
 */
export async function createRepository(ctx: GraphQLContext, input: CreateRepositoryInput): Promise<{ clientMutationId: string | null; repository: Repo }> {
  if (input.visibility === 'INTERNAL') {
    throw new GitHubGraphQLError('UNPROCESSABLE', 'Gitgate has no internal repositories: use PRIVATE (members you add) or PUBLIC.');
  }
  if (input.teamId) throw new GitHubGraphQLError('UNPROCESSABLE', 'Gitgate has no teams: leave teamId out.');
  if (input.template) throw new GitHubGraphQLError('UNPROCESSABLE', 'Gitgate has no template repositories: leave template out.');
  const ownerLogin = input.ownerId ? await ownerLoginOf(ctx, input.ownerId) : ctx.actor.user.login;
  try {
    const repository = await ctx.services.repos.create(ctx.actor, ownerLogin, {
      name: input.name,
      description: input.description ?? null,
      private: input.visibility === 'PRIVATE',
    });
    return { clientMutationId: input.clientMutationId ?? null, repository };
  } catch (error) {
    throw toGitHubError(error, { field: 'createRepository', actor: ctx.actor, baseUrl: ctx.urls.web, notFound: `Could not resolve to an owner with the login of '${ownerLogin}'.` });
  }
}

async function ownerLoginOf(ctx: GraphQLContext, ownerId: string): Promise<string> {
  const decoded = decodeNodeId(ownerId);
  const id = decoded && /^[1-9]\d{0,15}$/.test(decoded.id) ? Number(decoded.id) : null;
  const account = id !== null && (decoded!.type === 'User' || decoded!.type === 'Organization') ? await ctx.services.accounts.users.findById(id) : null;
  if (!account || account.type !== decoded!.type) {
    throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${ownerId}'`);
  }
  return account.login;
}
