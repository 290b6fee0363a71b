import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from './json-schema.js';
import type { Repo } from '../../domain/repos/repo-store.js';
import { createRepoReader, type RepoReader, type TreeEntry } from '../../git/repo-reader.js';
import { type ApiContext, actorOf } from './api-context.js';
import { ApiError, notFoundError } from './api-errors.js';
import { PageQuery, pageOf, paginate, setLinkHeader } from './pagination.js';
import { presentBranch, presentCommit, presentContentEntry, presentContentFile, presentShortBranch } from './presenters/content-presenters.js';
import { authorizeRepo } from './repo-helpers.js';
import { RepoParams } from './repos-routes.js';

type RepoParamsT = { owner: string; repo: string };

const WildcardParams = Type.Object({ owner: Type.String(), repo: Type.String(), '*': Type.String() });

/**
 * The rest of the path after a wildcard route's prefix (a branch, a ref or a file's path), decoded
 * (`feature%2Flogin` and `feature/login` alike). A branch or ref reaches git only through
 * `resolveCommit`, which refuses a leading `-`.
 */
function wildcardOf(request: FastifyRequest): string {
  return (request.params as { '*'?: string })['*'] ?? '';
}

/** `application/vnd.github.raw` (and its v3 and +json spellings) asks for a file's bytes. */
function wantsRaw(request: FastifyRequest): boolean {
  return /application\/vnd\.github(\.v3)?\.raw/i.test(request.headers.accept ?? '');
}

/**
 * Contents are read through the same policy as a clone: `authorize(..., 'read')` is the one gate for
 * JSON, raw bytes and archives alike, so no format is a way around the scope check.
 */
export function registerContentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  async function open(request: FastifyRequest, reply: FastifyReply): Promise<{ repo: Repo; reader: RepoReader }> {
    const { owner, repo: name } = request.params as RepoParamsT;
    const { repo } = await authorizeRepo(ctx, actorOf(request), reply, owner, name, 'read');
    return { repo, reader: createRepoReader(ctx.services.repos.storage.pathOf(repo.owner, repo.name)) };
  }

  /** The commit a `ref` names (the default branch when absent); 404 for an unknown ref. */
  async function commitFor(reader: RepoReader, repo: Repo, ref: string | undefined, emptyMessage: string): Promise<{ sha: string; ref: string }> {
    if (await reader.isEmpty()) throw new ApiError(404, emptyMessage);
    const wanted = ref ?? repo.defaultBranch;
    const sha = await reader.resolveCommit(wanted);
    if (!sha) throw new ApiError(404, ref ? `No commit found for the ref ${ref}` : 'Not Found');
    return { sha, ref: wanted };
  }

  async function sendRaw(reply: FastifyReply, reader: RepoReader, entry: TreeEntry) {
    const child = reader.streamBlob(entry.sha);
    reply.raw.on('close', () => child.kill());
    return reply.type('application/vnd.github.raw').header('content-length', String(entry.size ?? 0)).send(child.stdout);
  }

  app.get(
    '/v3/repos/:owner/:repo/branches',
    { config: { scopes: ['repo'], resource: 'Branch' }, schema: { params: RepoParams, querystring: Type.Object({ protected: Type.Optional(Type.Boolean()), ...PageQuery }) } },
    async (request, reply) => {
      const { repo, reader } = await open(request, reply);
      const query = request.query as { protected?: boolean; per_page?: number; page?: number };
      const branches = query.protected === true ? [] : await reader.branches();
      return paginate(ctx, request, reply, branches, query).map((b) => presentShortBranch(ctx.urls(), repo, b));
    },
  );

  // A wildcard, not `:branch`: branch names hold `/` (`feature/login`), which GitHub accepts both
  // encoded (Octokit's `feature%2Flogin`) and as it is. Reported as `{branch}` (see `wildcardAs`).
  app.get(
    '/v3/repos/:owner/:repo/branches/*',
    { config: { scopes: ['repo'], resource: 'Branch', wildcardAs: 'branch' }, schema: { params: WildcardParams } },
    async (request, reply) => {
      const { repo, reader } = await open(request, reply);
      const branch = wildcardOf(request);
      const found = (await reader.branches()).find((b) => b.name === branch);
      if (!found) throw new ApiError(404, 'Branch not found');
      return presentBranch(ctx.urls(), repo, found, await reader.commit(found.sha));
    },
  );

  app.get(
    '/v3/repos/:owner/:repo/commits',
    {
      config: { scopes: ['repo'], resource: 'Commit' },
      schema: { params: RepoParams, querystring: Type.Object({ sha: Type.Optional(Type.String({ minLength: 1 })), ...PageQuery }) },
    },
    async (request, reply) => {
      const { repo, reader } = await open(request, reply);
      const query = request.query as { sha?: string; per_page?: number; page?: number };
      if (await reader.isEmpty()) throw new ApiError(409, 'Git Repository is empty.');
      const sha = await reader.resolveCommit(query.sha ?? repo.defaultBranch);
      if (!sha) throw new ApiError(404, `No commit found for SHA: ${query.sha ?? repo.defaultBranch}`);
      const page = pageOf(query);
      setLinkHeader(ctx, request, reply, page, await reader.countCommits(sha));
      const commits = await reader.log(sha, { skip: page.offset, limit: page.perPage });
      return commits.map((c) => presentCommit(ctx.urls(), repo, c));
    },
  );

  const contentsHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { repo, reader } = await open(request, reply);
    const path = wildcardOf(request);
    const { ref } = request.query as { ref?: string };
    const commit = await commitFor(reader, repo, ref, 'This repository is empty.');
    const entry = await reader.entry(commit.sha, path);
    if (!entry) throw notFoundError();
    if (entry.type === 'tree') {
      const entries = await reader.listTree(entry.sha, entry.path);
      return entries.map((e) => presentContentEntry(ctx.urls(), repo, e, commit.ref));
    }
    if (entry.type === 'commit') return { ...presentContentEntry(ctx.urls(), repo, entry, commit.ref), submodule_git_url: '' };
    if (wantsRaw(request)) return sendRaw(reply, reader, entry);
    return presentContentFile(ctx.urls(), repo, entry, commit.ref, await reader.readBlob(entry.sha));
  };
  const contentsSchema = { querystring: Type.Object({ ref: Type.Optional(Type.String({ minLength: 1 })) }) };
  app.get('/v3/repos/:owner/:repo/contents', { config: { scopes: ['repo'], resource: 'Content' }, schema: { params: RepoParams, ...contentsSchema } }, contentsHandler);
  app.get(
    '/v3/repos/:owner/:repo/contents/*',
    { config: { scopes: ['repo'], resource: 'Content' }, schema: { params: WildcardParams, ...contentsSchema } },
    contentsHandler,
  );

  app.get('/v3/repos/:owner/:repo/readme', { config: { scopes: ['repo'], resource: 'Content' }, schema: { params: RepoParams, ...contentsSchema } }, async (request, reply) => {
    const { repo, reader } = await open(request, reply);
    const { ref } = request.query as { ref?: string };
    const commit = await commitFor(reader, repo, ref, 'Not Found');
    const readme = await reader.readme(commit.sha);
    if (!readme) throw notFoundError();
    if (wantsRaw(request)) return sendRaw(reply, reader, readme);
    return presentContentFile(ctx.urls(), repo, readme, commit.ref, await reader.readBlob(readme.sha));
  });

  /**
   * Archives are answered 200 and streamed straight from `git archive` (never buffered), rather than
   * GitHub's 302 to a codeload host that Gitgate does not have: clients that follow redirects and
   * clients that do not both get the bytes.
   */
  for (const [kind, format, mime] of [
    ['tarball', 'tar.gz', 'application/x-gzip'],
    ['zipball', 'zip', 'application/zip'],
  ] as const) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const { repo, reader } = await open(request, reply);
      // `/tarball` and `/tarball/` both mean the default branch.
      const commit = await commitFor(reader, repo, wildcardOf(request) || undefined, 'Not Found');
      const prefix = `${repo.owner}-${repo.name}-${commit.sha.slice(0, 7)}`;
      const child = reader.streamArchive(commit.sha, format, `${prefix}/`);
      reply.raw.on('close', () => child.kill());
      return reply
        .type(mime)
        .header('content-disposition', `attachment; filename=${prefix}.${format}`)
        .send(child.stdout);
    };
    app.get(`/v3/repos/:owner/:repo/${kind}`, { config: { scopes: ['repo'], resource: 'Repository' }, schema: { params: RepoParams } }, handler);
    // A wildcard for refs that hold `/` (`feature/login`, `refs/heads/main`); reported as `{ref}`.
    app.get(`/v3/repos/:owner/:repo/${kind}/*`, { config: { scopes: ['repo'], resource: 'Repository', wildcardAs: 'ref' }, schema: { params: WildcardParams } }, handler);
  }
}
