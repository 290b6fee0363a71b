import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

/** public/ sits at the package root: three levels up from src/http/web and from dist/http/web alike. */
function publicDir(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'public'))) return path.join(dir, 'public');
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the public/ folder of gitgate');
}

/**
 * Static assets under /-/assets/: our CSS and progressive-enhancement script, Primer's CSS straight
 * from node_modules, and the clipboard-copy element's bundle.
 */
export async function webAssets(app: FastifyInstance) {
  const primerDir = path.dirname(require.resolve('@primer/css/dist/primer.css'));
  const clipboardDir = path.dirname(require.resolve('@github/clipboard-copy-element'));
  await app.register(fastifyStatic, {
    root: [publicDir(), primerDir],
    prefix: '/-/assets/',
    index: false,
    list: false,
    maxAge: 3600 * 1000,
  });
  // Primer CSS 22 reads its colours and sizes from @primer/primitives' custom properties.
  await app.register(fastifyStatic, {
    root: path.dirname(require.resolve('@primer/primitives/dist/css/primitives.css')),
    prefix: '/-/assets/primitives/',
    decorateReply: false,
    index: false,
    list: false,
    maxAge: 3600 * 1000,
  });
  await app.register(fastifyStatic, {
    root: clipboardDir,
    prefix: '/-/assets/vendor/clipboard-copy/',
    decorateReply: false,
    index: false,
    list: false,
    maxAge: 3600 * 1000,
  });
}
