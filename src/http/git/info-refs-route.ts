import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import { encodePacket, FLUSH_PACKET } from '../../git/pkt-line.js';
import { isGitService, isProtocolV2, sanitizeGitProtocol, spawnGitService } from '../../git/git-service.js';
import { answerText, setNoCacheHeaders } from './git-answers.js';
import { authorizeGitRequest } from './git-access.js';
import { firstChunk, prepend, superviseGitChild } from './git-output.js';
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
    const child = spawnGitService({ service, repoDir: access.repoDir, advertiseRefs: true, protocol });
    const supervised = superviseGitChild(request, reply, child);
    child.stdin.end();
    const first = await firstChunk(child.stdout);
    if (!first) {
      const { code } = await supervised.exited;
      request.log.error({ code, stderr: supervised.stderr() }, 'git could not advertise refs');
      return answerText(reply, 500, 'The repository could not be read.');
    }
    // v0/v1 clients expect the service announcement first; in v2 git writes its own first line.
    const v2 = service === 'git-upload-pack' && isProtocolV2(protocol);
    const head = v2 ? [first] : [encodePacket(`# service=${service}\n`), FLUSH_PACKET, first];
    setNoCacheHeaders(reply);
    return reply.type(`application/x-${service}-advertisement`).send(prepend(head, child.stdout));
  });
}
