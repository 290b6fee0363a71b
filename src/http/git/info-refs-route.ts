import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import type { CapabilityCache } from '../../git/capability-advertisement.js';
import { type GitService, isGitService, isProtocolV2, sanitizeGitProtocol, spawnGitService } from '../../git/git-service.js';
import { encodePacket, FLUSH_PACKET } from '../../git/pkt-line.js';
import { capabilityCache } from './answer-caches.js';
import { answerText, setNoCacheHeaders } from './git-answers.js';
import { authorizeGitRequest } from './git-access.js';
import { firstChunk, superviseGitChild } from './git-output.js';
import { gitTargetOf } from './git-target.js';

/** `GET .../info/refs?service=...`: the ref advertisement that starts every smart HTTP exchange. */
export function registerInfoRefsRoute(app: FastifyInstance, deps: { services: Services; config: Config }) {
  app.get('/:owner/:repo/info/refs', async (request, reply) => {
    const service = (request.query as { service?: unknown }).service;
    if (!isGitService(service)) {
      return answerText(reply, 403, 'This server speaks only the smart HTTP protocol; the dumb protocol is not offered. Please use a current git client.');
    }
    const action = service === 'git-upload-pack' ? 'read' : 'write';
    const access = await authorizeGitRequest(request, reply, deps, gitTargetOf(request.params), action);
    if (!access) return reply;

    const protocol = sanitizeGitProtocol(request.headers['git-protocol']);
    if (service === 'git-upload-pack' && isProtocolV2(protocol)) return answerCapabilities(request, reply, capabilityCache, access.repoDir, protocol);
    const child = spawnGitService({ service, repoDir: access.repoDir, advertiseRefs: true, protocol });
    const supervised = superviseGitChild(request, reply, child);
    child.stdin.end();
    const first = await firstChunk(child.stdout);
    if (!first) {
      const { code } = await supervised.exited;
      request.log.error({ code, stderr: supervised.stderr() }, 'git could not advertise refs');
      return answerText(reply, 500, 'The repository could not be read.');
    }
    // v0/v1 clients expect the service announcement first, put back in front of git's stdout,
    // which itself becomes the body: no PassThrough between.
    child.stdout.unshift(Buffer.concat([encodePacket(`# service=${service}\n`), FLUSH_PACKET, first]));
    return advertisement(reply, service).send(child.stdout);
  });
}

/** Protocol v2: git's capability list (it writes its own first line), from the cache when it can. */
async function answerCapabilities(request: FastifyRequest, reply: FastifyReply, cache: CapabilityCache, repoDir: string, protocol: string | undefined) {
  const cached = cache.lookup(repoDir, protocol);
  if (cached.bytes) return advertisement(reply, 'git-upload-pack').send(cached.bytes);
  const child = spawnGitService({ service: 'git-upload-pack', repoDir, advertiseRefs: true, protocol });
  const supervised = superviseGitChild(request, reply, child);
  child.stdin.end();
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const { code } = await supervised.exited;
  const bytes = Buffer.concat(chunks);
  if (code !== 0 || bytes.length === 0) {
    request.log.error({ code, stderr: supervised.stderr() }, 'git could not advertise its capabilities');
    return answerText(reply, 500, 'The repository could not be read.');
  }
  if (cached.key) cache.remember(cached.key, bytes);
  return advertisement(reply, 'git-upload-pack').send(bytes);
}

function advertisement(reply: FastifyReply, service: GitService): FastifyReply {
  setNoCacheHeaders(reply);
  return reply.type(`application/x-${service}-advertisement`);
}
