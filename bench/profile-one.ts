/**
 * Profiles one HTTP load alone (no other load in the same profile): sets up a data directory,
 * starts `gitgate serve` under `node --cpu-prof`, runs autocannon on one URL, and prints the summary.
 * Usage: node --import tsx bench/profile-one.ts [user|health|garbage|cold] [seconds]
 * (`cold`: a different token each request, out of PROFILE_TOKENS seeded ones, 200,000 by default)
 * Environment: PROFILE_LOG_LEVEL (warn by default, as in the bench; `info` is the server's default),
 * PROFILE_PATH (another path to load instead of the workload's own, e.g. /api/v3/rate_limit),
 * PROFILE_ANONYMOUS=1 (send no token), PROFILE_GIT=1 (the token as git sends it: Basic, with Git-Protocol: version=2).
 * PROFILE_OFF=1 (no profile: only the server's CPU time per request), PROFILE_TOP (functions listed, 30).
 */
import fs from 'node:fs';
import path from 'node:path';
import { GARBAGE_TOKEN, healthUrl, load, describe, userUrl } from './api-workloads.js';
import { BENCH_USER, basicAuth, gitgateEnv, setupGitgate, startGitgate } from './gitgate-process.js';
import { seedTokens } from './seed-tokens.js';
import { summarise } from './profile-summary.js';
import { makeWorkDir, shuffle } from './util.js';

/** utime + stime of a process, in clock ticks (10 ms here). */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const which = process.argv[2] ?? 'user';
const seconds = Number(process.argv[3] ?? 5);
const work = makeWorkDir();
try {
  const dataDir = path.join(work, 'data');
  const env = gitgateEnv({ GITGATE_LOG_LEVEL: process.env.PROFILE_LOG_LEVEL ?? 'warn', ...(which === 'garbage' ? { GITGATE_AUTH_THROTTLE: 'off' } : {}) });
  const setup = await setupGitgate(dataDir, env);
  const rotate = which === 'cold' ? shuffle(seedTokens(dataDir, BENCH_USER, Number(process.env.PROFILE_TOKENS ?? 200_000))) : undefined;
  const profDir = path.join(work, 'prof');
  const args = process.env.PROFILE_OFF === '1' ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir];
  const server = await startGitgate(dataDir, env, args);
  const url = process.env.PROFILE_PATH ? server.url + process.env.PROFILE_PATH : which === 'health' ? healthUrl(server.url) : userUrl(server.url);
  const token = which === 'garbage' ? GARBAGE_TOKEN : setup.token;
  const headers: Record<string, string> =
    which === 'health' || which === 'cold' || process.env.PROFILE_ANONYMOUS === '1'
      ? {}
      : process.env.PROFILE_GIT === '1'
        ? { authorization: basicAuth(token), 'git-protocol': 'version=2' }
        : { authorization: `token ${token}` };
  await load(url, { headers, rotate, seconds: 1 });
  const before = cpuTicks(server.pid);
  const result = await load(url, { headers, rotate, seconds });
  const cpuMs = (cpuTicks(server.pid) - before) * 10;
  const requests = Object.values(result.statuses).reduce((a, b) => a + b, 0);
  process.stdout.write(`${which}: ${describe(result)}; server CPU ${((cpuMs * 1000) / Math.max(1, requests)).toFixed(0)} us per request\n`);
  await server.stop();
  if (args.length) {
    const file = fs.readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'))!;
    const out = path.join('/tmp', `profile-${which}-${Date.now()}.cpuprofile`);
    fs.copyFileSync(path.join(profDir, file), out);
    process.stdout.write(`${summarise(JSON.parse(fs.readFileSync(out, 'utf8')), Number(process.env.PROFILE_TOP ?? 30))}\n(${out})\n`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
