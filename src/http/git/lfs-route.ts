import type { FastifyInstance } from 'fastify';

/**
 * Git LFS is not offered. git-lfs shows the `message` of a JSON error, so the batch endpoint says so
 * plainly instead of a 404 that reads like a bug.
 */
export function registerLfsRoutes(app: FastifyInstance) {
  app.post('/:owner/:repo/info/lfs/objects/batch', async (_request, reply) => {
    return reply
      .code(501)
      .header('content-type', 'application/vnd.git-lfs+json')
      .send(Buffer.from(JSON.stringify({ message: 'Git LFS is not supported by this Gitgate server' })));
  });
}
