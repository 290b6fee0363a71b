import type { FastifyInstance } from 'fastify';
import { Type } from './json-schema.js';
import type { ApiContext } from './api-context.js';

/**
 * Anyone holding a leaked token can revoke it without authenticating. Well-formed input is always
 * answered 202, whatever the tokens were, so the endpoint reveals nothing about them; the owner
 * finds the revocation in their security log.
 */
export function registerCredentialRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/v3/credentials/revoke',
    {
      config: { scopes: [], resource: 'Credentials' },
      schema: { body: Type.Object({ credentials: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 1000 }) }) },
    },
    async (request, reply) => {
      const { credentials } = request.body as { credentials: string[] };
      for (const secret of new Set(credentials)) {
        await ctx.services.leaks.revokeReported(secret);
      }
      return reply.code(202).send({});
    },
  );
}
