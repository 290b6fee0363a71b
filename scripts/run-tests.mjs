// Runs every *.test.ts / *.test.tsx under src/ and test/ (or under the paths given), in parallel
// files, through tsx. Node 20 discovers nothing by itself from TypeScript names, so files are listed
// explicitly, and a run that executes zero tests fails.
//   node scripts/run-tests.mjs [path ...] [--exclude path ...]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const include = [];
const exclude = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--exclude') exclude.push(path.resolve(root, args[++i]));
  else include.push(path.resolve(root, args[i]));
}
if (include.length === 0) include.push(path.join(root, 'src'), path.join(root, 'test'));

function collect(target) {
  if (!fs.existsSync(target)) return [];
  if (fs.statSync(target).isFile()) return [target];
  return fs
    .readdirSync(target, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.test\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}
const files = [...new Set(include.flatMap(collect))]
  .filter((f) => !exclude.some((x) => f === x || f.startsWith(x + path.sep)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const tapFile = path.join(os.tmpdir(), `gitgate-tap-${process.pid}.txt`);
const concurrency = process.env.GITGATE_TEST_CONCURRENCY ?? '4';
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
child.on('exit', (code, signal) => {
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
  fs.rmSync(tapFile, { force: true });
  const count = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap) ?? [])[1] ?? 0);
  const totals = { tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped') };
  console.log(`\n# files ${files.length}\n# tests ${totals.tests}\n# pass ${totals.pass}\n# fail ${totals.fail}\n# skipped ${totals.skipped}`);
  console.log(`${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
  if (totals.tests === 0) {
    console.error('run-tests: 0 tests ran: treating as a failure');
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
