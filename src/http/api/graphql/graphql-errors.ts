import { GraphQLError } from 'graphql';
import { PolicyDenied } from '../../../domain/auth/policy.js';
import type { UserActor } from '../../../domain/auth/actor.js';
import { isGitgateError } from '../../../lib/errors.js';

/** GitHub's GraphQL error types that Gitgate answers with. */
export type GitHubErrorType = 'NOT_FOUND' | 'UNPROCESSABLE' | 'FORBIDDEN' | 'INSUFFICIENT_SCOPES';

/** An error a resolver raises on purpose: it reaches the client as `{type, path, locations, message}`. */
export class GitHubGraphQLError extends Error {
  constructor(
    readonly type: GitHubErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'GitHubGraphQLError';
  }
}

/** The one JSON shape of an error in a response, as gh and Octokit decode it. */
export interface ErrorItem {
  type?: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  message: string;
}

/**
 * Turns a domain error (a policy denial, a conflict, a validation problem) into GitHub's GraphQL
 * error. The policy decided; this only chooses GitHub's type and words. `field` names the field
 * for scope messages; `baseUrl` is where tokens are edited.
 */
export function toGitHubError(error: unknown, context: { field: string; actor: UserActor; baseUrl: string; notFound: string }): unknown {
  if (error instanceof PolicyDenied) {
    const { reason, acceptedScopes } = error.denial;
    switch (reason) {
      case 'not_found':
      case 'unauthenticated':
        return new GitHubGraphQLError('NOT_FOUND', context.notFound);
      case 'forbidden_permission':
        return new GitHubGraphQLError('FORBIDDEN', `${context.actor.user.login} does not have the permission to do this.`);
      case 'forbidden_scope':
        return new GitHubGraphQLError('INSUFFICIENT_SCOPES', insufficientScopesMessage(context.field, acceptedScopes, context.actor, context.baseUrl));
    }
  }
  if (isGitgateError(error)) {
    if (error.kind === 'conflict' && error.code === 'repo_exists') return new GitHubGraphQLError('UNPROCESSABLE', 'Name already exists on this account');
    if (error.kind === 'invalid' || error.kind === 'conflict') return new GitHubGraphQLError('UNPROCESSABLE', error.message);
    if (error.kind === 'not_found') return new GitHubGraphQLError('NOT_FOUND', context.notFound);
    if (error.kind === 'forbidden' || error.kind === 'suspended') return new GitHubGraphQLError('FORBIDDEN', error.message);
  }
  return error;
}

/** GitHub's own wording, so scripts that grep for it keep working. */
function insufficientScopesMessage(field: string, accepted: readonly string[], actor: UserActor, baseUrl: string): string {
  const list = (names: readonly string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;
  const granted = actor.token?.scopes ?? [];
  return (
    `Your token has not been granted the required scopes to execute this query. The '${field}' field requires one of the following scopes: ` +
    `${list(accepted)}, but your token has only been granted the: ${list(granted)} scopes. Please modify your token's scopes at: ${baseUrl}/settings/tokens.`
  );
}

/**
 * Renders one GraphQLError for the response. Resolver errors we raised keep their type and words;
 * syntax and validation errors keep graphql-js's message; anything unexpected becomes GitHub's
 * generic sentence (the details go to the log, never to the client).
 */
export function formatError(error: GraphQLError, logUnexpected: (error: unknown) => void): ErrorItem {
  const item: ErrorItem = { message: error.message };
  const original = error.originalError;
  if (original instanceof GitHubGraphQLError) {
    item.type = original.type;
  } else if (original && !(original instanceof GraphQLError)) {
    logUnexpected(original);
    item.message = 'Something went wrong while executing your query. Please include the request id when reporting this issue.';
  }
  if (error.path) item.path = error.path;
  if (error.locations) item.locations = error.locations;
  return item;
}
