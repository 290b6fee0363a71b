// Bundles the compiled CLI and server (dist/cli/main.js and everything it imports, node_modules
// included) into a few ES modules under dist/bundle/, which bin/gitgate.js runs.
//
// Why: each ES module Node loads costs memory of its own (module record, source, scope), and
// Fastify, Kysely and their dependencies are hundreds of small modules. Loaded one by one they cost
// ~40 MB of resident memory more than the same code bundled (measured: kysely alone +19 MB as
// node_modules, +4 MB bundled). Code loaded on first use stays in chunks of its own (splitting).
// Native addons stay external; so do modules loaded through createRequire (selfsigned).
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');

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
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
