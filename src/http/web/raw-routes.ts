import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Actor } from '../../domain/auth/actor.js';
import { PolicyDenied, scopesForRepoAction } from '../../domain/auth/policy.js';
import { authenticateHeader } from '../request-auth.js';
import { setTokenHeaders } from '../token-headers.js';
import { isBinary, openRepo, repoParams, splitRefAndPath } from './repo-access.js';
import type { WebKit } from './web-context.js';
import { actorOf } from './web-session.js';

const MAX_RAW_BYTES = 100 * 1024 * 1024;

function text(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/**
 * Raw files for scripts: `GET /OWNER/NAME/raw/REF/PATH`. Authenticated like Git reads (the
 * Authorization header: token, Bearer or Basic) or by the browser session, through the same
 * policy; served as bytes that a browser will never render as HTML.
 */
export async function rawRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services } = kit;

  app.get('/:owner/:repo/raw/*', async (request, reply) => {
    // Nothing from this response may run as a page: no sniffing, a sandbox CSP, never cached by proxies.
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', "sandbox; default-src 'none'");
    let actor: Actor = actorOf(request);
    if (request.headers.authorization !== undefined) {
      const auth = await authenticateHeader(request, services);
      if (!auth.ok) {
        if (auth.failure.reason === 'throttled') {
          reply.header('retry-after', String(auth.failure.retryAfterSeconds));
          return text(reply, 429, 'Too many failed authentication attempts.\n');
        }
        reply.header('www-authenticate', 'Basic realm="Gitgate"');
        return text(reply, 401, auth.failure.reason === 'suspended' ? 'This account is suspended.\n' : 'Bad credentials.\n');
      }
      actor = auth.actor;
    }
    const { owner, name } = repoParams(request);
    let opened: Awaited<ReturnType<typeof openRepo>>;
    try {
      opened = await openRepo(services, actor, owner, name, 'read');
    } catch (error) {
      if (!(error instanceof PolicyDenied)) throw error;
      setTokenHeaders(reply, actor, error.denial.acceptedScopes);
      if (error.denial.reason === 'unauthenticated') {
        reply.header('www-authenticate', 'Basic realm="Gitgate"');
        return text(reply, 401, 'Authentication required.\n');
      }
      if (error.denial.reason === 'not_found') return text(reply, 404, 'Not Found\n');
      return text(reply, 403, 'Forbidden\n');
    }
    setTokenHeaders(reply, actor, opened.acceptedScopes ?? scopesForRepoAction('read', opened.repo.private));
    const target = await splitRefAndPath(opened.reader, (request.params as { '*': string })['*']);
    if (!target || target.path === '') return text(reply, 404, 'Not Found\n');
    const entry = await opened.reader.entry(target.commit, target.path);
    if (entry?.type !== 'blob') return text(reply, 404, 'Not Found\n');
    if ((entry.size ?? 0) > MAX_RAW_BYTES) return text(reply, 413, 'This file is too large to be served raw.\n');
    const bytes = await opened.reader.readBlob(entry.sha);
    reply.header('cache-control', opened.repo.private ? 'private, no-store' : 'public, max-age=300');
    reply.header('etag', `"${entry.sha}"`);
    return reply.code(200).type(isBinary(bytes) ? 'application/octet-stream' : 'text/plain; charset=utf-8').send(bytes);
  });
}
