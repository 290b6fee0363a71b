import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';

/** The REST API at /api/v3 (GitHub's dialect). */
export async function apiRoutes(_app: FastifyInstance, _options: { services: Services; config: Config }) {}
