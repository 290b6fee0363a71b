/**
 * `npm run bench`: Gitgate's speed beside the floor (plain git on disk) and beside nginx + fcgiwrap +
 * git http-backend, from one run on one machine. Prints a table, writes bench/results.json, and
 * always exits 0: a workload that cannot run says "not measured" and why.
 *
 * Environment: BENCH_SCALE (1: the full ~20,000-commit repository; 0.1 for a quick check),
 * BENCH_RUNS (5 timed runs per git workload after one warm-up; serve, fetch and push, which take
 * under a second a run, never fewer than 10), BENCH_DURATION (10 s per
 * HTTP load), BENCH_TOKENS (tokens seeded for the large-table rows; 1,000,000 x BENCH_SCALE),
 * BENCH_ONLY (comma list of groups: git, api, postgres), BENCH_GIT_ONLY (clone, serve, parallel,
 * fetch, push, lsremote), BENCH_PARALLEL_RUNS (rounds of 8 parallel clones: up to BENCH_RUNS,
 * never fewer than 3), BENCH_GITGATE_BIN (another build's bin/gitgate.js), BENCH_CPU_PROF=1 (profile the
 * server with node --cpu-prof during the API loads; profiles land in bench/.cache/profiles).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  apiReady,
  GARBAGE_TOKEN,
  healthUrl,
  load,
  measure,
  measureInterleaved,
  throughputRow,
  userUrl,
} from './api-workloads.js';
import { benchScale, ensureBenchRepo, installMainHistory } from './gen-repo.js';
import * as gitWork from './git-workloads.js';
import { BENCH_USER, type GitgateServer, gitgateEnv, setupGitgate, startGitgate } from './gitgate-process.js';
import { NGINX_MISSING, type NginxServer, nginxAvailable, startNginx } from './nginx.js';
import { postgresRows } from './postgres-workloads.js';
import { formatTable, machineFacts, makeRow, notMeasured, type Row } from './report.js';
import { copyDatabase, seedTokens } from './seed-tokens.js';
import { envNumber, log, MB, makeWorkDir, readMemory, shuffle, sleep } from './util.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const startedAt = new Date();
  const facts = machineFacts();
  const scale = benchScale();
  const runs = Math.max(1, Math.round(envNumber('BENCH_RUNS', 5)));
  const tokenCount = Math.round(envNumber('BENCH_TOKENS', 1_000_000 * Math.min(1, scale)));
  const only = new Set((process.env.BENCH_ONLY ?? 'git,api,postgres').split(',').map((s) => s.trim()));
  const gitOnly = new Set(
    (process.env.BENCH_GIT_ONLY ?? 'clone,serve,parallel,fetch,push,lsremote')
      .split(',')
      .map((s) => s.trim()),
  );
  const profile = process.env.BENCH_CPU_PROF === '1';
  const work = makeWorkDir();
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  const rows: Row[] = [];
  const notes: string[] = [];
  const servers: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const server of servers.splice(0).reverse()) await server.stop().catch(() => {});
  };
  const guard = async (
    group: string,
    workload: string,
    baseline: string,
    target: string | null,
    body: () => Promise<Row[]>,
  ) => {
    try {
      rows.push(...(await body()));
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!.slice(0, 300);
      log(`${workload} failed: ${message}`);
      rows.push(notMeasured(group, workload, baseline, target, `failed: ${message}`));
    }
  };

  try {
    const repo = await ensureBenchRepo(scale);
    log(
      `repository: ${repo.commits} commits, ${repo.files} files, pack ${(repo.mainPackBytes / MB).toFixed(1)} MB (scale ${scale})`,
    );

    const dataDir = path.join(work, 'data');
    const env = gitgateEnv();
    const setup = await setupGitgate(dataDir, env);
    installMainHistory(repo, setup.repoDir);

    const start = async (extra: Record<string, string> = {}, nodeArgs: string[] = [], dir = dataDir) => {
      const server = await startGitgate(dir, gitgateEnv(extra), nodeArgs);
      servers.push(server);
      return server;
    };
    const stop = async (server: GitgateServer) => {
      servers.splice(servers.indexOf(server), 1);
      await server.stop();
    };

    let gitgate = await start();
    await fetch(healthUrl(gitgate.url)).then((r) => r.arrayBuffer());
    await sleep(500);
    const idleRss = readMemory(gitgate.pid)?.rss ?? 0;
    log(`Gitgate listening on ${gitgate.url}, idle RSS ${(idleRss / MB).toFixed(1)} MB`);

    // ---- Git over HTTP ----
    if (only.has('git')) {
      let nginx: NginxServer | null = null;
      if (nginxAvailable()) {
        try {
          nginx = await startNginx(path.join(work, 'nginx'), setup.repositoriesRoot);
          servers.push(nginx);
        } catch (error) {
          notes.push(`nginx did not start: ${(error as Error).message}`);
        }
      } else {
        notes.push(`nginx + fcgiwrap + git http-backend: ${NGINX_MISSING}`);
      }
      const ctx: gitWork.GitContext = {
        work,
        home,
        repo,
        serverRepoDir: setup.repoDir,
        gitgate,
        startGitgateWithoutPushProtection: async () => {
          const server = await startGitgate(dataDir, gitgateEnv({ GITGATE_PUSH_PROTECTION: 'off' }));
          return server;
        },
        token: setup.token,
        nginxUrl: nginx?.url ?? null,
        runs,
      };
      const missing = await gitWork.gitRoutesReady(ctx);
      if (missing) {
        for (const workload of [
          'full clone',
          'serve full pack (server side)',
          '8 parallel clones',
          'fetch 1 new commit',
          'push',
          'ls-remote with token vs anonymous',
        ]) {
          rows.push(notMeasured('git', workload, '', null, missing));
        }
      } else {
        if (gitOnly.has('clone'))
          await guard('git', 'full clone', 'git clone --no-local', '<= 1.05', async () => {
            const { rows: cloneRows, peakServingRss } = await gitWork.fullClone(ctx);
            return [
              ...cloneRows,
              makeRow({
                group: 'memory',
                workload: 'RSS while serving one clone',
                unit: 'MB',
                gitgate: peakServingRss / MB,
                baseline: 80,
                baselineName: 'limit',
                target: '< 1.0',
                extra: { idleRssMb: idleRss / MB, source: 'VmRSS of the Node process sampled every 20 ms' },
              }),
            ];
          });
        if (gitOnly.has('serve'))
          await guard('git', 'serve full pack (server side)', 'git upload-pack', '<= 1.15', () =>
            gitWork.servePack(ctx),
          );
        if (gitOnly.has('parallel'))
          await guard('git', '8 parallel clones', '8 local clones', null, async () =>
            gitWork.parallelClones(ctx, idleRss),
          );
        if (gitOnly.has('fetch'))
          await guard('git', 'fetch 1 new commit', 'git fetch file://', '<= 1.4', () =>
            gitWork.incrementalFetch(ctx),
          );
        if (gitOnly.has('push')) await guard('git', 'push', 'local push', '<= 1.08', () => gitWork.push(ctx));
        if (gitOnly.has('lsremote'))
          await guard('git', 'ls-remote with token vs anonymous', 'anonymous', null, () =>
            gitWork.lsRemoteAuth(ctx),
          );
      }
      if (nginx) {
        servers.splice(servers.indexOf(nginx), 1);
        await nginx.stop();
      }
    }

    // ---- Token authentication over HTTP ----
    if (only.has('api')) {
      const missing = await apiReady(gitgate.url, setup.token);
      const group = 'token auth';
      if (missing) {
        rows.push(notMeasured(group, 'GET /api/v3/user, hot token', 'GET /-/health', '>= 0.75', missing));
      } else {
        const profileArgs = (name: string) =>
          profile
            ? [
                '--cpu-prof',
                '--cpu-prof-dir',
                path.join(BENCH_DIR, '.cache', 'profiles'),
                '--cpu-prof-name',
                `${name}-${Date.now()}.cpuprofile`,
              ]
            : [];
        const auth = { authorization: `token ${setup.token}` };
        const garbageAuth = { authorization: `token ${GARBAGE_TOKEN}` };
        if (profile) {
          await stop(gitgate);
          gitgate = await start({}, profileArgs('small-table'));
        }
        // The refusal itself (401 after the checksum), not the throttle's 429 that follows 10 failures.
        const open = await start({ GITGATE_AUTH_THROTTLE: 'off' }, profileArgs('garbage'));
        const small = gitgate;
        const [health, valid, garbage] = await measureInterleaved([
          { name: 'GET /-/health', run: (seconds) => load(healthUrl(small.url), { seconds }) },
          { name: 'GET /api/v3/user, one token', run: (seconds) => load(userUrl(small.url), { headers: auth, seconds }) },
          { name: 'garbage token, throttle off', run: (seconds) => load(userUrl(open.url), { headers: garbageAuth, seconds }) },
        ]);
        await stop(open);
        const throttled = await measure('garbage token, default throttle', (seconds) =>
          load(userUrl(small.url), { headers: garbageAuth, seconds }),
        );

        rows.push(
          makeRow({
            group,
            workload: 'GET /-/health (ceiling, no auth)',
            unit: 'req/s',
            gitgate: health.rps,
            baseline: null,
            baselineName: '',
            target: null,
            extra: { health },
          }),
          throughputRow(group, 'GET /api/v3/user, hot token, 1 token in table', valid, '200', health, 'health', '>= 0.75'),
          throughputRow(group, 'garbage token refused (401, throttle off)', garbage, '401', valid, 'valid token', '>= 1.0'),
          throughputRow(group, 'garbage token, default throttle (429s)', throttled, '429', valid, 'valid token', null),
        );

        // The large table is a copy of the database beside this one, so that the one-token server
        // keeps running and the two are measured in turn.
        log(`seeding ${tokenCount} tokens in one transaction...`);
        const seedStart = Date.now();
        const largeDir = path.join(work, 'data-large');
        copyDatabase(dataDir, largeDir);
        const seeded = seedTokens(largeDir, BENCH_USER, tokenCount);
        const seedMs = Date.now() - seedStart;
        log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
        const large = await start({}, profileArgs('large-table'), largeDir);
        const label = tokenCount === 1_000_000 ? '1,000,000' : tokenCount.toLocaleString('en-US');
        // Tokens in random order, so consecutive lookups land on unrelated pages of the index.
        const shuffled = shuffle(seeded);
        const [health2, hotLarge, hotSmall, cold] = await measureInterleaved([
          { name: 'GET /-/health (large table)', run: (seconds) => load(healthUrl(large.url), { seconds }) },
          { name: `GET /api/v3/user, hot token, ${label} tokens`, run: (seconds) => load(userUrl(large.url), { headers: auth, seconds }) },
          { name: 'GET /api/v3/user, hot token, 1 token', run: (seconds) => load(userUrl(small.url), { headers: auth, seconds }) },
          { name: `GET /api/v3/user, cold lookups over ${label} tokens`, run: (seconds) => load(userUrl(large.url), { rotate: shuffled, seconds }) },
        ]);
        rows.push(
          throughputRow(group, `GET /api/v3/user, hot token, ${label} tokens in table`, hotLarge, '200', health2, 'health', '>= 0.75'),
          throughputRow(group, `hot token: ${label} tokens vs 1 token in table`, hotLarge, '200', hotSmall, '1-token table', '>= 0.9'),
          throughputRow(group, `GET /api/v3/user, each request a different token of ${label}`, cold, '200', health2, 'health', '>= 0.35'),
        );
        rows[rows.length - 1]!.extra = { ...rows[rows.length - 1]!.extra, seedMs, tokens: tokenCount };
        await stop(large);
      }
    }

    // ---- Issue 16: SQLite against PostgreSQL, 1 against 2 instances ----
    if (only.has('postgres')) {
      if (gitgate.child.exitCode !== null || gitgate.child.signalCode !== null) gitgate = await start();
      await guard('postgres (issue 16)', 'PostgreSQL vs SQLite', 'SQLite', null, () =>
        postgresRows({ work, sqlite: { url: gitgate.url, token: setup.token } }),
      );
    }
  } catch (error) {
    notes.push(`bench stopped early: ${(error as Error).stack ?? error}`);
    log(`bench stopped early: ${(error as Error).message}`);
  } finally {
    await stopAll();
    fs.rmSync(work, { recursive: true, force: true });
  }

  facts.loadAverageAtEnd = os.loadavg();
  const [load1] = facts.loadAverageAtStart as number[];
  if (load1! > (facts.cores as number)) {
    notes.push(
      `the machine was busy (load average ${load1!.toFixed(1)} on ${facts.cores} cores at start): ratios are noisy, rerun on a quiet machine`,
    );
  }
  const table = formatTable(rows);
  process.stdout.write(
    `\nGitgate bench (scale ${scale}, ${runs} runs per git workload, ${facts.cores} cores, Node ${facts.node}, ${facts.git})\n\n`,
  );
  process.stdout.write(table);
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    scale,
    runs,
    machine: facts,
    rows,
    notes,
  };
  fs.writeFileSync(path.join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwrote bench/results.json\n`);
}

await main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`);
});
process.exit(0);
