// Bundles the compiled CLI and server (dist/cli/main.js and everything it imports, node_modules
// included) into a few ES modules under dist/bundle/, which bin/gitgate.js runs.
//
// Why: each ES module Node loads costs memory of its own (module record, source, scope), and
// Fastify, Kysely and their dependencies are hundreds of small modules. Loaded one by one they cost
// 11-19 MB of resident memory more than the same code bundled (measured: the idle server 88 MB
// bundled against 99-107 MB; kysely alone +19 MB as node_modules, +4 MB bundled). Code loaded on
// first use stays in chunks of its own (splitting).
// Native addons stay external; so do modules loaded through createRequire (selfsigned).
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');

// Chunk names carry a content hash: a stale chunk from a former build must not linger.
fs.rmSync(path.join(root, 'dist', 'bundle'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', '@node-rs/argon2', 'pg-native'],
  // CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: { js: "import { createRequire as __gitgateCreateRequire } from 'node:module';\nconst require = __gitgateCreateRequire(import.meta.url);" },
  // Sources stay in memory as strings (2.2 MB for the server's chunk): without whitespace they take
  // ~1 MB less. Names are kept, so stack traces in logs still read.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
