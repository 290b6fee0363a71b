import { buildSchema, type GraphQLFieldResolver, GraphQLInterfaceType, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { User } from '../../../domain/accounts/user-store.js';
import type { Repo } from '../../../domain/repos/repo-store.js';
import { createRepoReader } from '../../../git/repo-reader.js';
import { toApiTimeOrNull } from '../../../lib/time.js';
import { encodeNodeId } from '../presenters/node-id.js';
import { avatarUrl } from '../presenters/user-presenters.js';
import type { GraphQLContext } from './graphql-context.js';
import { createRepository } from './create-repository.js';
import { findRepository } from './find-repository.js';

/**
 * The part of GitHub's GraphQL schema that gh and common scripts use. Names, types and nullability
 * follow GitHub's schema, so a client decoding GitHub's answers decodes ours. Features Gitgate lacks
 * get GitHub's neutral values (no issues, no wiki, no forks: `parent` is always null).
 */
const SDL = /* GraphQL */ `
  scalar DateTime
  scalar URI

  type Query {
    "The currently authenticated user."
    viewer: User!
    "Lookup a given repository by the owner and repository name."
    repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  }

  type Mutation {
    "Create a new repository."
    createRepository(input: CreateRepositoryInput!): CreateRepositoryPayload
  }

  interface Node {
    id: ID!
  }

  interface RepositoryOwner {
    id: ID!
    login: String!
    url: URI!
    avatarUrl(size: Int): URI!
  }

  type User implements Node & RepositoryOwner {
    id: ID!
    databaseId: Int
    login: String!
    name: String
    url: URI!
    avatarUrl(size: Int): URI!
    isSiteAdmin: Boolean!
    createdAt: DateTime!
  }

  type Organization implements Node & RepositoryOwner {
    id: ID!
    databaseId: Int
    login: String!
    name: String
    url: URI!
    avatarUrl(size: Int): URI!
    createdAt: DateTime!
  }

  enum RepositoryPermission {
    ADMIN
    MAINTAIN
    WRITE
    TRIAGE
    READ
  }

  enum RepositoryVisibility {
    PRIVATE
    PUBLIC
    INTERNAL
  }

  type Ref implements Node {
    id: ID!
    name: String!
    prefix: String!
  }

  type Repository implements Node {
    id: ID!
    databaseId: Int
    name: String!
    nameWithOwner: String!
    owner: RepositoryOwner!
    description: String
    homepageUrl: URI
    url: URI!
    sshUrl: String!
    isPrivate: Boolean!
    visibility: RepositoryVisibility!
    isFork: Boolean!
    isArchived: Boolean!
    isDisabled: Boolean!
    isEmpty: Boolean!
    isTemplate: Boolean!
    isMirror: Boolean!
    isLocked: Boolean!
    hasIssuesEnabled: Boolean!
    hasWikiEnabled: Boolean!
    hasProjectsEnabled: Boolean!
    hasDiscussionsEnabled: Boolean!
    viewerPermission: RepositoryPermission
    defaultBranchRef: Ref
    parent: Repository
    mergeCommitAllowed: Boolean!
    rebaseMergeAllowed: Boolean!
    squashMergeAllowed: Boolean!
    deleteBranchOnMerge: Boolean!
    stargazerCount: Int!
    forkCount: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
    pushedAt: DateTime
  }

  input CreateRepositoryInput {
    name: String!
    ownerId: ID
    description: String
    visibility: RepositoryVisibility!
    template: Boolean
    homepageUrl: URI
    hasWikiEnabled: Boolean
    hasIssuesEnabled: Boolean
    teamId: ID
    clientMutationId: String
  }

  type CreateRepositoryPayload {
    clientMutationId: String
    repository: Repository
  }
`;

type Resolver = GraphQLFieldResolver<never, GraphQLContext, never>;
type Resolvers = Record<string, Record<string, Resolver>>;

const constant = (value: unknown) => () => value;

const PERMISSION = { admin: 'ADMIN', write: 'WRITE', read: 'READ', none: 'READ' } as const;

function accountFields(type: 'User' | 'Organization'): Record<string, Resolver> {
  return {
    id: (account: User) => encodeNodeId(type, account.id),
    databaseId: (account: User) => account.id,
    url: (account: User, _args, ctx) => `${ctx.urls.web}/${account.login}`,
    avatarUrl: (account: User, _args, ctx) => avatarUrl(ctx.urls, account),
    createdAt: (account: User) => toApiTimeOrNull(account.createdAt),
  } as Record<string, Resolver>;
}

const resolvers: Resolvers = {
  Query: {
    viewer: ((_root: unknown, _args: unknown, ctx: GraphQLContext) => ctx.actor.user) as Resolver,
    repository: ((_root: unknown, args: { owner: string; name: string }, ctx: GraphQLContext) => findRepository(ctx, args.owner, args.name)) as Resolver,
  },
  Mutation: {
    createRepository: ((_root: unknown, args: { input: Parameters<typeof createRepository>[1] }, ctx: GraphQLContext) =>
      createRepository(ctx, args.input)) as Resolver,
  },
  User: { ...accountFields('User'), isSiteAdmin: ((user: User) => user.siteAdmin) as Resolver },
  Organization: accountFields('Organization'),
  Ref: {
    id: ((ref: { repo: Repo; name: string }) => encodeNodeId('Ref', `${ref.repo.id}:refs/heads/${ref.name}`)) as Resolver,
    prefix: constant('refs/heads/'),
  },
  Repository: {
    id: ((repo: Repo) => encodeNodeId('Repository', repo.id)) as Resolver,
    databaseId: ((repo: Repo) => repo.id) as Resolver,
    nameWithOwner: ((repo: Repo) => repo.fullName) as Resolver,
    owner: (async (repo: Repo, _args: unknown, ctx: GraphQLContext) => {
      const owner = await ctx.services.accounts.users.findById(repo.ownerId);
      return owner ?? { id: repo.ownerId, login: repo.owner, type: repo.ownerType, createdAt: repo.createdAt, name: null, siteAdmin: false };
    }) as Resolver,
    homepageUrl: constant(null),
    url: ((repo: Repo, _args: unknown, ctx: GraphQLContext) => `${ctx.urls.web}/${repo.fullName}`) as Resolver,
    sshUrl: ((repo: Repo, _args: unknown, ctx: GraphQLContext) => `git@${new URL(ctx.urls.web).hostname}:${repo.fullName}.git`) as Resolver,
    isPrivate: ((repo: Repo) => repo.private) as Resolver,
    visibility: ((repo: Repo) => (repo.private ? 'PRIVATE' : 'PUBLIC')) as Resolver,
    isFork: constant(false),
    isArchived: constant(false),
    isDisabled: constant(false),
    isEmpty: (async (repo: Repo, _args: unknown, ctx: GraphQLContext) => (await defaultBranchCommit(ctx, repo)) === null) as Resolver,
    isTemplate: constant(false),
    isMirror: constant(false),
    isLocked: constant(false),
    hasIssuesEnabled: constant(false),
    hasWikiEnabled: constant(false),
    hasProjectsEnabled: constant(false),
    hasDiscussionsEnabled: constant(false),
    viewerPermission: (async (repo: Repo, _args: unknown, ctx: GraphQLContext) => PERMISSION[await ctx.services.repos.permissionFor(ctx.actor, repo)]) as Resolver,
    // GitHub answers null for a repository without commits; so do we.
    defaultBranchRef: (async (repo: Repo, _args: unknown, ctx: GraphQLContext) =>
      (await defaultBranchCommit(ctx, repo)) === null ? null : { repo, name: repo.defaultBranch }) as Resolver,
    parent: constant(null),
    // No pull requests in Gitgate, so no merge method is on offer.
    mergeCommitAllowed: constant(false),
    rebaseMergeAllowed: constant(false),
    squashMergeAllowed: constant(false),
    deleteBranchOnMerge: constant(false),
    stargazerCount: constant(0),
    forkCount: constant(0),
    createdAt: ((repo: Repo) => toApiTimeOrNull(repo.createdAt)) as Resolver,
    updatedAt: ((repo: Repo) => toApiTimeOrNull(repo.updatedAt)) as Resolver,
    pushedAt: ((repo: Repo) => toApiTimeOrNull(repo.pushedAt)) as Resolver,
  },
};

function defaultBranchCommit(ctx: GraphQLContext, repo: Repo): Promise<string | null> {
  const key = `${repo.id}`;
  let pending = ctx.branchCache.get(key);
  if (!pending) {
    pending = createRepoReader(ctx.services.repos.storage.pathOf(repo.owner, repo.name)).resolveCommit(`refs/heads/${repo.defaultBranch}`);
    ctx.branchCache.set(key, pending);
  }
  return pending;
}

/** The schema with its resolvers attached; built once per process. */
export function buildGitgateSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!(type instanceof GraphQLObjectType)) throw new Error(`schema has no object type ${typeName}`);
    const defined = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = defined[fieldName];
      if (!field) throw new Error(`schema has no field ${typeName}.${fieldName}`);
      field.resolve = resolve as never;
    }
  }
  // Accounts are domain Users; their `type` says which GraphQL type they are.
  for (const name of ['RepositoryOwner', 'Node']) {
    const iface = schema.getType(name);
    if (!(iface instanceof GraphQLInterfaceType)) throw new Error(`schema has no interface ${name}`);
    iface.resolveType = (value: { type?: string; fullName?: string; repo?: unknown }) =>
      value.fullName ? 'Repository' : value.repo ? 'Ref' : value.type === 'Organization' ? 'Organization' : 'User';
  }
  return schema;
}
