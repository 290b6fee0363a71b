import type { Server as HttpsServer } from 'node:https';
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../domain/services.js';
import { isGitgateError } from '../lib/errors.js';
import { apiRoutes } from './api/api-routes.js';
import { graphqlRoutes } from './api/graphql/graphql-routes.js';
import { gitRoutes } from './git/git-routes.js';
import { healthRoutes } from './health-routes.js';
import { answerPlainHttpOnTls } from './plain-http-on-tls.js';
import { decorateRequestAuth } from './request-auth.js';
import { webRoutes } from './web/web-routes.js';

export interface AppOptions {
  config: Config;
  services: Services;
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: Writable;
  https?: { key: Buffer; cert: Buffer } | null;
}

/**
 * Logs name the method, the path without its query string, the status and the client address:
 * never headers (Authorization, Cookie), bodies or query strings, so no secret can reach a log line.
 */
export const logSerializers = {
  req(request: { method: string; url: string; ip?: string; id?: string }) {
    return { method: request.method, path: request.url.split('?')[0], remoteAddress: request.ip };
  },
  res(reply: { statusCode: number }) {
    return { statusCode: reply.statusCode };
  },
};

/** A 404 as Git clients want it: plain text, which git prints as `remote:` lines. */
export function plainNotFound(_request: FastifyRequest, reply: FastifyReply) {
  reply.code(404).type('text/plain; charset=utf-8').send('Not Found\n');
}

/** A request for a Git URL (smart or dumb HTTP, LFS) or from git itself: it gets text, never a web page. */
export function isGitRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  if (/\.git(\/|$)/.test(path) || /\/(info\/refs|info\/lfs|git-upload-pack|git-receive-pack)(\/|$)/.test(path)) return true;
  return /^git\//.test(request.headers['user-agent'] ?? '');
}

/** The composition root of the HTTP server: one Fastify app, surfaces registered by hand. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, services } = options;
  const fastifyOptions: FastifyServerOptions & { https?: unknown } = {
    logger: {
      level: config.logLevel,
      serializers: logSerializers,
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
  if (options.https) fastifyOptions.https = options.https;
  const app = Fastify(fastifyOptions as FastifyServerOptions) as unknown as FastifyInstance;

  // The last line of defence: anything a surface did not handle becomes a generic answer.
  app.setErrorHandler((error, request, reply) => {
    if (isGitgateError(error)) {
      reply.code(error.kind === 'not_found' ? 404 : 400).type('text/plain; charset=utf-8').send(error.message);
      return;
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      reply.code(status).type("text/plain; charset=utf-8").send(`${(error as Error).message}\n`);
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    reply.code(500).type('text/plain; charset=utf-8').send('Internal server error\n');
  });

  decorateRequestAuth(app);
  await app.register(healthRoutes, { services });
  await app.register(apiRoutes, { prefix: '/api', services, config });
  await app.register(graphqlRoutes, { prefix: '/api', services, config });
  await app.register(gitRoutes, { services, config });
  // Fastify's default 404 logs the full URL, query string included: ours do not. /api sets its own
  // (JSON); the web plugin sets the one for every other path, because an HTML page needs its cookies,
  // CSRF and security headers, and hands the URLs of Git clients back to `plainNotFound`.
  await app.register(webRoutes, { services, config, notFoundFallback: { matches: isGitRequest, handler: plainNotFound } });
  if (options.https) answerPlainHttpOnTls(app.server as unknown as HttpsServer);
  return app;
}
