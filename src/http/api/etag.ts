import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256Hex } from '../../lib/crypto.js';

const MAX_IDENTITIES = 1000;
const MAX_REMEMBERED_BYTES = 16 * 1024;

/**
 * Conditional GETs as on GitHub: a weak ETag over the body (and the credential's identity, so two
 * users never share a cached answer), and 304 with no body when If-None-Match names it. Streams
 * (archives, raw files) are not hashed. A callback hook, not an async one: it runs on every answer.
 */
export function etagOnSend(identity: (request: FastifyRequest) => string) {
  // The last answer's tag per identity: a body answered again (GET /user from memory) is not hashed again.
  const last = new Map<string, { payload: string | Buffer; etag: string }>();
  const etagOf = (who: string, payload: string | Buffer) => {
    const known = last.get(who);
    if (known?.payload === payload) return known.etag;
    const salted = `${who}\0`;
    const digest = sha256Hex(typeof payload === 'string' ? salted + payload : Buffer.concat([Buffer.from(salted), payload]));
    const etag = `W/"${digest.slice(0, 40)}"`;
    // Small answers only: a tag kept per identity must not keep large bodies alive with it.
    if (payload.length <= MAX_REMEMBERED_BYTES) {
      if (last.size >= MAX_IDENTITIES) last.clear();
      last.set(who, { payload, etag });
    }
    return etag;
  };
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return done(null, payload);
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    const etag = etagOf(identity(request), payload);
    reply.header('etag', etag);
    const wanted = request.headers['if-none-match'];
    if (wanted?.split(',').some((tag) => tag.trim() === etag || tag.trim() === etag.slice(2) || tag.trim() === '*')) {
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      return done(null, '');
    }
    done(null, payload);
  };
}
