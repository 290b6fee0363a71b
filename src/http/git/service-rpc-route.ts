import type { FastifyInstance } from 'fastify';
import type { PackAnswers } from './cached-answer.js';
import { authorizeGitRequest } from './git-access.js';
import { gitTargetOf } from './git-target.js';
import { answerReceivePack, type ReceivePackDeps } from './receive-pack-answer.js';
import { answerUploadPack } from './upload-pack-answer.js';

/** `POST .../git-upload-pack` (a read, whatever the method) and `POST .../git-receive-pack` (a write). */
export function registerServiceRpcRoutes(app: FastifyInstance, deps: ReceivePackDeps & { packAnswers: PackAnswers | null }) {
  app.post('/:owner/:repo/git-upload-pack', async (request, reply) => {
    const access = await authorizeGitRequest(request, reply, deps, gitTargetOf(request.params), 'read');
    if (!access) return reply;
    return answerUploadPack(request, reply, access, deps.packAnswers);
  });
  app.post('/:owner/:repo/git-receive-pack', async (request, reply) => {
    const access = await authorizeGitRequest(request, reply, deps, gitTargetOf(request.params), 'write');
    if (!access) return reply;
    return answerReceivePack(request, reply, deps, access);
  });
}
