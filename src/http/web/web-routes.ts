import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';

/** The server-rendered web interface. */
export async function webRoutes(_app: FastifyInstance, _options: { services: Services; config: Config }) {}
