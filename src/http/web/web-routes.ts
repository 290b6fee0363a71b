import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import { hmacSha256 } from '../../lib/crypto.js';
import { adminRoutes } from './admin-routes.js';
import { authRoutes } from './auth-routes.js';
import { homeRoutes } from './home-routes.js';
import { orgRoutes } from './org-routes.js';
import { rawRoutes } from './raw-routes.js';
import { repoRoutes } from './repo-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { tokenRoutes } from './token-routes.js';
import { webAssets } from './web-assets.js';
import { createWebKit } from './web-context.js';
import { installWebErrors, renderNotFound } from './web-errors.js';
import { cookieOptions, installSessions } from './web-session.js';
import { avatarRoutes } from './avatar-routes.js';

/**
 * The server-rendered web interface. Everything here (cookies, CSRF, security headers, form
 * parsing) stays inside this plugin's encapsulated context: Git and the API never see it.
 */
export interface NotFoundFallback {
  /** Requests that must not get an HTML page (Git clients). */
  matches: (request: FastifyRequest) => boolean;
  handler: (request: FastifyRequest, reply: FastifyReply) => void;
}

export async function webRoutes(app: FastifyInstance, options: { services: Services; config: Config; notFoundFallback?: NotFoundFallback }) {
  const { services, config } = options;
  const https = config.baseUrl.startsWith('https:');
  await app.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
  await app.register(fastifyCookie, { secret: hmacSha256(services.secretKey, 'web-cookie-signing').toString('hex') });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: https ? { maxAge: 31536000 } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'gitgate_csrf',
    cookieOpts: { ...cookieOptions(config), signed: true },
  });
  await app.register(webAssets);

  installSessions(app, services);
  // Every state-changing form carries `_csrf`; raw files and pages are GETs and need none.
  app.addHook('preHandler', (request, reply, done) => {
    // A 404 changes nothing, so an unknown URL answers 404 whatever the method.
    if (request.method === 'GET' || request.method === 'HEAD' || request.is404) return done();
    app.csrfProtection(request, reply, done);
  });

  const kit = createWebKit({ services, config });
  installWebErrors(app, kit);
  // Set here rather than in app.ts so that unknown URLs run through this plugin's hooks (cookies,
  // session, CSRF token, security headers): the HTML 404 page shows the layout as the viewer sees it.
  // Fastify's default would log the URL with its query string; this logs nothing of its own.
  const fallback = options.notFoundFallback;
  app.setNotFoundHandler((request, reply) => {
    if (fallback?.matches(request)) return fallback.handler(request, reply);
    return renderNotFound(kit, request, reply);
  });

  await app.register(authRoutes, { kit });
  await app.register(settingsRoutes, { kit });
  await app.register(tokenRoutes, { kit });
  await app.register(orgRoutes, { kit });
  await app.register(adminRoutes, { kit });
  await app.register(homeRoutes, { kit });
  await app.register(repoRoutes, { kit });
  await app.register(rawRoutes, { kit });
  await app.register(avatarRoutes, { kit });
}
