import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GitService } from '../../git/git-service.js';

export const UPLOAD_PACK_RESULT_TYPE = 'application/x-git-upload-pack-result';

/** The challenge that makes git consult its credential helper (or prompt) and retry. */
const BASIC_CHALLENGE = 'Basic realm="Gitgate"';

/**
 * git prints a text/plain error body to its user as `remote: ...` lines: these answers are the
 * user interface of a refused clone or push, so they are short sentences ending in a newline.
 */
export function answerText(reply: FastifyReply, status: number, message: string, options: { challenge?: boolean; retryAfterSeconds?: number } = {}) {
  if (options.challenge) reply.header('www-authenticate', BASIC_CHALLENGE);
  if (options.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(options.retryAfterSeconds))));
  reply.header('cache-control', 'no-cache');
  return reply.code(status).type('text/plain; charset=utf-8').send(message.endsWith('\n') ? message : `${message}\n`);
}

/** Smart HTTP responses must never be cached by a proxy (git http-backend sends the same). */
export function setNoCacheHeaders(reply: FastifyReply): void {
  reply.header('cache-control', 'no-cache, max-age=0, must-revalidate');
  reply.header('pragma', 'no-cache');
  reply.header('expires', 'Fri, 01 Jan 1980 00:00:00 GMT');
}

/** git exited without a word: the request is not one it accepts. Why (its stderr) goes to the log only. */
export function answerGitRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  service: GitService,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  stderr: string,
) {
  request.log.warn({ code: exit.code, signal: exit.signal, stderr }, `${service} refused the request`);
  return answerText(reply, 400, 'The request is not a valid Git protocol request.');
}
