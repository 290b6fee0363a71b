import type { Repo } from '../../../domain/repos/repo-store.js';
import type { GraphQLContext } from './graphql-context.js';
import { toGitHubError } from './graphql-errors.js';

/**
 * `repository(owner, name)`: the policy decides, exactly as for REST and Git. A repository the
 * token cannot see (private without `repo`, or someone else's) is NOT_FOUND, worded as GitHub does.
 */
export async function findRepository(ctx: GraphQLContext, owner: string, name: string): Promise<Repo> {
  try {
    const { repo } = await ctx.services.repos.authorize(ctx.actor, owner, name, 'read');
    return repo;
  } catch (error) {
    throw toGitHubError(error, {
      field: 'repository',
      actor: ctx.actor,
      baseUrl: ctx.urls.web,
      notFound: `Could not resolve to a Repository with the name '${owner}/${name}'.`,
    });
  }
}
