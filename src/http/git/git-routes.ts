import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';

/** Git's smart HTTP protocol. */
export async function gitRoutes(_app: FastifyInstance, _options: { services: Services; config: Config }) {}
