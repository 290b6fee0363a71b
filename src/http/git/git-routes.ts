import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import { createPackAnswerCache } from '../../git/pack-answer-cache.js';
import { createSpareUploadPacks } from '../../git/spare-upload-packs.js';
import { gitSetting } from './answer-caches.js';
import type { PackAnswers } from './cached-answer.js';
import { startHookChannel } from './hook-channel.js';
import { registerInfoRefsRoute } from './info-refs-route.js';
import { registerLfsRoutes } from './lfs-route.js';
import { registerServiceRpcRoutes } from './service-rpc-route.js';

/**
 * Git's smart HTTP protocol: `/OWNER/NAME(.git)/info/refs`, `/git-upload-pack`, `/git-receive-pack`.
 * Only fixed suffixes are registered, so the web pages' `/:owner/:repo...` routes do not collide.
 */
export async function gitRoutes(app: FastifyInstance, options: { services: Services; config: Config }) {
  // Request bodies reach git as the raw stream, never buffered (and so never held to bodyLimit: the
  // push size is metered on the way). Encapsulated: these parsers apply to this plugin only.
  app.addContentTypeParser(
    ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'],
    (_request, payload, done) => done(null, payload),
  );
  // git-lfs posts JSON; its batch answer does not need the body.
  app.addContentTypeParser(['application/vnd.git-lfs+json'], (_request, payload, done) => {
    payload.resume();
    done(null, null);
  });
  // Push protection: git's pre-receive hook calls back into this process before any ref moves.
  const hooks = options.config.pushProtection
    ? startHookChannel({
        dataDir: options.config.dataDir,
        leaks: options.services.leaks,
        onError: (error) => app.log.error({ err: error }, 'push protection failed'),
      })
    : null;
  if (hooks) app.addHook('onClose', () => hooks.close());
  const packAnswers = options.config.packCacheBytes > 0 ? createPackAnswers(options.config) : null;
  if (packAnswers) {
    app.addHook('onClose', async () => {
      packAnswers.spares.close();
      await packAnswers.cache.close();
    });
  }
  registerInfoRefsRoute(app, options);
  registerServiceRpcRoutes(app, { ...options, hooks, packAnswers });
  registerLfsRoutes(app);
}

function createPackAnswers(config: Config): PackAnswers {
  const cache = createPackAnswerCache({ root: path.join(config.dataDir, 'cache', 'upload-pack'), maxBytes: config.packCacheBytes, setting: gitSetting });
  return { cache, spares: createSpareUploadPacks(cache) };
}
