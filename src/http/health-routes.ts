import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../domain/services.js';
import { VERSION } from '../version.js';

const HEALTH_BODY = JSON.stringify({ status: 'ok', version: VERSION });

/** Liveness does no I/O (it is also the benchmark's framework ceiling); readiness asks the database. */
export async function healthRoutes(app: FastifyInstance, options: { services: Services }) {
  app.get('/-/health', async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return HEALTH_BODY;
  });
  app.get('/-/ready', async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(options.services.db);
      return { status: 'ok' };
    } catch {
      reply.code(503);
      return { status: 'unavailable', message: 'database unreachable' };
    }
  });
}
