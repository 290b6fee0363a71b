/**
 * Instructions per request on the server's main thread, counted by valgrind's callgrind, for two or
 * more builds of the server under the same load. On this machine a wall-clock A/B moves by 10-30%
 * from one run to the next; this count repeats to within ~1-2%, so it can show a change of a few
 * percent. What it leaves out: the kernel (system calls are not counted), the other threads (the
 * compiler, the garbage collector's helpers), and time itself. Work done once a second (the rate
 * limiter's write, a cache reload after it) weighs more than in a real run, since the server runs
 * ~50x slower under valgrind.
 *
 * Usage: node --import tsx bench/count-instructions.ts user|health|garbage|cold BIN [BIN...]
 *   e.g. bench/count-instructions.ts user /tmp/before/bin/gitgate.js bin/gitgate.js
 * `cold`: GET /api/v3/user with a different token each request, out of COUNT_TOKENS (200,000) seeded.
 * Environment: COUNT_REQUESTS (3000 per measurement), COUNT_WARMUP (3000), COUNT_ROUNDS (2; the
 * order of the builds alternates from round to round), COUNT_KEEP=DIR (the main thread's dumps are
 * copied there, for callgrind_annotate, with V8's perf map to name JIT code: bench/name-jit-code.ts),
 * COUNT_GC=1 (a full garbage collection in the server once it has answered its first health check,
 * before the warm-up, as V8's memory reducer may make in a server that starts and then waits: what it
 * collects then can cost every later request; without it a round may or may not have had one,
 * which made rounds read 20-40% apart).
 * Needs valgrind (apt-get install valgrind).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { GARBAGE_TOKEN } from './api-workloads.js';
import { BENCH_USER, gitgateEnv, setupGitgate } from './gitgate-process.js';
import { seedTokens } from './seed-tokens.js';
import { freePort, makeWorkDir, shuffle } from './util.js';

const [which = 'user', ...bins] = process.argv.slice(2);
const requests = Number(process.env.COUNT_REQUESTS ?? 3000);
const warmup = Number(process.env.COUNT_WARMUP ?? 3000);
const rounds = Number(process.env.COUNT_ROUNDS ?? 2);
if (bins.length === 0 || !['user', 'health', 'garbage', 'cold'].includes(which)) {
  process.stderr.write('usage: bench/count-instructions.ts user|health|garbage|cold BIN [BIN...]\n');
  process.exit(2);
}
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  process.stderr.write('valgrind is not installed: apt-get install valgrind\n');
  process.exit(2);
}

/** Cold lookups: the seeded tokens, each presented once (never twice: a second use could be a hit). */
let rotate: string[] = [];
let next = 0;

/** Sends `amount` requests, 16 at a time, and waits for their answers. */
async function send(url: string, headers: Record<string, string>, amount: number): Promise<void> {
  if (rotate.length && next + amount > rotate.length) throw new Error(`COUNT_TOKENS is too small for ${next + amount} cold lookups`);
  const requests = rotate.length
    ? [{ setupRequest: (request: { headers?: Record<string, string> }) => ({ ...request, headers: { ...request.headers, authorization: `token ${rotate[next++]}` } }) }]
    : undefined;
  await autocannon({ url, headers, connections: 16, amount, ...(requests ? { requests } : {}) });
}

/** Loaded into the server with COUNT_GC: a full collection when it receives SIGUSR2. */
const GC_ON_SIGNAL = 'process.on("SIGUSR2", () => setImmediate(() => globalThis.gc()));';

/** Starts one build under callgrind, loads it, and counts its main thread's instructions for `requests` requests. */
async function count(bin: string, dataDir: string, headers: Record<string, string>, work: string): Promise<number> {
  const port = await freePort();
  const out = path.join(work, `callgrind-${port}`);
  const args = ['--tool=callgrind', '--smc-check=all-non-file', '--separate-threads=yes', `--callgrind-out-file=${out}`];
  // With COUNT_KEEP, V8 also writes its perf map (JIT code addresses -> JS function names), kept
  // beside the dump: bench/name-jit-code.ts puts names on callgrind's anonymous addresses.
  const nodeFlags = process.env.COUNT_KEEP ? ['--perf-basic-prof'] : [];
  if (process.env.COUNT_GC) nodeFlags.push('--expose-gc', '--import', `data:text/javascript,${encodeURIComponent(GC_ON_SIGNAL)}`);
  const server = spawn('valgrind', [...args, process.execPath, ...nodeFlags, bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir], {
    env: gitgateEnv(),
    stdio: 'ignore',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      if (tries > 600) throw new Error(`${bin} did not start under valgrind within a minute`);
      if (await fetch(`${base}/-/health`).then((r) => r.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = base + (which === 'health' ? '/-/health' : '/api/v3/user');
    if (process.env.COUNT_GC) {
      server.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
    await send(url, headers, warmup);
    execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'ignore' });
    await send(url, headers, requests);
    execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' });
    // The dump writes one file per thread, OUT.1-01 for the main thread.
    const dump = fs.readdirSync(work).find((name) => name === `${path.basename(out)}.1-01`);
    if (!dump) throw new Error('callgrind wrote no dump for the main thread');
    if (process.env.COUNT_KEEP) {
      fs.copyFileSync(path.join(work, dump), path.join(process.env.COUNT_KEEP, `${which}-${port}.callgrind`));
      const perfMap = `/tmp/perf-${server.pid}.map`;
      if (fs.existsSync(perfMap)) {
        fs.copyFileSync(perfMap, path.join(process.env.COUNT_KEEP, `${which}-${port}.perf-map`));
        fs.rmSync(perfMap);
      }
    }
    const summary = /^summary: (\d+)/m.exec(fs.readFileSync(path.join(work, dump), 'utf8'));
    return Number(summary?.[1]) / requests;
  } finally {
    server.kill('SIGKILL');
  }
}

const work = makeWorkDir();
try {
  const dataDir = path.join(work, 'data');
  const setup = await setupGitgate(dataDir, gitgateEnv());
  if (which === 'cold') rotate = shuffle(seedTokens(dataDir, BENCH_USER, Number(process.env.COUNT_TOKENS ?? 200_000)));
  const headers: Record<string, string> = which === 'health' || which === 'cold' ? {} : { authorization: `token ${which === 'garbage' ? GARBAGE_TOKEN : setup.token}` };
  const counts = new Map<string, number[]>(bins.map((bin) => [bin, []]));
  for (let round = 0; round < rounds; round++) {
    for (const bin of round % 2 ? [...bins].reverse() : bins) {
      const perRequest = await count(path.resolve(bin), dataDir, headers, work);
      counts.get(bin)!.push(perRequest);
      process.stdout.write(`${which} round ${round + 1}: ${bin}: ${(perRequest / 1000).toFixed(1)} k instructions per request\n`);
    }
  }
  for (const [bin, values] of counts) {
    process.stdout.write(`${bin}: ${values.map((v) => (v / 1000).toFixed(1)).join(', ')} k (min ${(Math.min(...values) / 1000).toFixed(1)} k)\n`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
