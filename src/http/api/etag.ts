import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Conditional GETs as on GitHub: a weak ETag over the body (and the credential's identity, so two
 * users never share a cached answer), and 304 with no body when If-None-Match names it. Streams
 * (archives, raw files) are not hashed.
 */
export function etagOnSend(identity: (request: FastifyRequest) => string) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = `W/"${createHash('sha256').update(identity(request)).update('\0').update(payload).digest('hex').slice(0, 40)}"`;
    reply.header('ETag', etag);
    const wanted = request.headers['if-none-match'];
    if (wanted?.split(',').some((tag) => tag.trim() === etag || tag.trim() === etag.slice(2) || tag.trim() === '*')) {
      reply.code(304);
      reply.removeHeader('Content-Type');
      reply.removeHeader('Content-Length');
      return '';
    }
    return payload;
  };
}
