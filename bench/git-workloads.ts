import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RACY_MS } from '../src/git/git-setting.js';
import { type BenchRepo, installMainHistory } from './gen-repo.js';
import { BENCH_REPO, BENCH_USER, basicAuth, type GitgateServer } from './gitgate-process.js';
import { NGINX_MISSING } from './nginx.js';
import { makeRow, notMeasured, type Row } from './report.js';
import { startSocketFloor } from './socket-floor.js';
import { cleanGitEnv, log, MB, median, readMemory, resetPeakMemory, run, runOk, sampleRss, sleep } from './util.js';

export interface GitContext {
  work: string;
  home: string;
  repo: BenchRepo;
  /** The bare repository Gitgate serves; the floor and nginx read (and push to) the very same one. */
  serverRepoDir: string;
  gitgate: GitgateServer;
  /** A second Gitgate on the same data directory with GITGATE_PUSH_PROTECTION=off (push workload only). */
  startGitgateWithoutPushProtection: () => Promise<GitgateServer>;
  token: string;
  nginxUrl: string | null;
  runs: number;
}

interface Variant {
  name: string;
  /** Untimed set-up before each run. */
  before?: (i: number) => Promise<void>;
  /** The timed part; returns milliseconds. */
  measure: (i: number) => Promise<number>;
  /** Untimed clean-up after each run. */
  after?: (i: number) => Promise<void>;
}

/** One warm-up round, then `runs` rounds, variants interleaved A B C A B C so drift hits all alike. */
async function interleave(variants: Variant[], runs: number): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = -1; round < runs; round++) {
    const line: string[] = [];
    for (const variant of variants) {
      const i = round + 1;
      await variant.before?.(i);
      try {
        const ms = await variant.measure(i);
        if (round >= 0) times.get(variant.name)!.push(ms);
        line.push(`${variant.name} ${Math.round(ms)} ms`);
      } finally {
        await variant.after?.(i);
      }
    }
    log(`  ${round < 0 ? 'warm-up' : `run ${round + 1}/${runs}`}: ${line.join(', ')}`);
  }
  return times;
}

const repoPath = `/${BENCH_USER}/${BENCH_REPO}.git`;

function git(ctx: GitContext) {
  const env = cleanGitEnv(ctx.home);
  const auth = ['-c', `http.extraHeader=Authorization: ${basicAuth(ctx.token)}`];
  return {
    env,
    /** Arguments that make git send the token on every request (no 401 round trip). */
    auth,
    async timed(args: string[], cwd?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<number> {
      const result = await runOk('git', args, { env: { ...env, ...extraEnv }, cwd });
      return result.ms;
    },
  };
}

function rm(dir: string) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Files under objects/, to delete what a push added and so return a repository to its state. */
function objectFiles(repoDir: string): Set<string> {
  const root = path.join(repoDir, 'objects');
  return new Set((fs.readdirSync(root, { recursive: true }) as string[]).map((name) => path.join(root, name)));
}

async function resetAfterPush(repoDir: string, before: Set<string>, tip: string, env: NodeJS.ProcessEnv) {
  await runOk('git', ['update-ref', 'refs/heads/main', tip], { cwd: repoDir, env });
  for (const file of objectFiles(repoDir)) {
    if (!before.has(file) && fs.statSync(file).isFile()) fs.rmSync(file, { force: true });
  }
}

async function emptyBareRepo(dir: string, env: NodeJS.ProcessEnv) {
  rm(dir);
  await runOk('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], { env });
}

/** True when Gitgate answers the smart-HTTP advertisement (the routes may not be merged yet). */
export async function gitRoutesReady(ctx: GitContext): Promise<string | null> {
  try {
    const response = await fetch(`${ctx.gitgate.url}${repoPath}/info/refs?service=git-upload-pack`, {
      headers: { Authorization: basicAuth(ctx.token) },
    });
    const body = await response.arrayBuffer();
    if (response.status === 200 && body.byteLength > 0) return null;
    return `GET ${repoPath}/info/refs answers ${response.status} (Git smart-HTTP routes not there yet)`;
  } catch (error) {
    return `Gitgate unreachable: ${(error as Error).message}`;
  }
}

const timeRow = (workload: string, gitgate: number[], baseline: number[], baselineName: string, target: string | null, extra: Record<string, unknown> = {}) =>
  makeRow({
    group: 'git',
    workload,
    unit: 'ms',
    gitgate: median(gitgate),
    baseline: median(baseline),
    baselineName,
    target,
    extra: { gitgateRuns: gitgate, baselineRuns: baseline, ...extra },
  });

/** Runs of the workloads that take under a second each (serve, fetch, push), at the least. */
const SHORT_RUNS = 10;

/** The nginx row beside each workload: Gitgate must never be slower than it. */
const nginxRow = (workload: string, gitgate: number[], nginx: number[] | undefined) =>
  nginx
    ? timeRow(`${workload}: vs nginx`, gitgate, nginx, 'nginx+http-backend', '<= 1.0')
    : notMeasured('git', `${workload}: vs nginx`, 'nginx+http-backend', '<= 1.0', NGINX_MISSING.replace(/^not measured /, ''));

export async function fullClone(ctx: GitContext): Promise<{ rows: Row[]; peakServingRss: number }> {
  const g = git(ctx);
  const dest = (name: string, i: number) => path.join(ctx.work, `clone-${name}-${i}`);
  let peakServingRss = 0;
  const variants: Variant[] = [
    {
      name: 'floor',
      measure: (i) => g.timed(['clone', '--quiet', '--no-local', '--bare', ctx.serverRepoDir, dest('floor', i)]),
      after: async (i) => rm(dest('floor', i)),
    },
    {
      name: 'gitgate',
      measure: async (i) => {
        const sampler = sampleRss(ctx.gitgate.pid);
        try {
          return await g.timed([...g.auth, 'clone', '--quiet', '--bare', `${ctx.gitgate.url}${repoPath}`, dest('gitgate', i)]);
        } finally {
          peakServingRss = Math.max(peakServingRss, sampler.stop());
        }
      },
      after: async (i) => rm(dest('gitgate', i)),
    },
  ];
  if (ctx.nginxUrl) {
    variants.push({
      name: 'nginx',
      measure: (i) => g.timed(['clone', '--quiet', '--bare', `${ctx.nginxUrl}${repoPath}`, dest('nginx', i)]),
      after: async (i) => rm(dest('nginx', i)),
    });
  }
  log('full clone...');
  const times = await interleave(variants, ctx.runs);
  return {
    rows: [
      timeRow('full clone', times.get('gitgate')!, times.get('floor')!, 'git clone --no-local', '<= 1.05'),
      nginxRow('full clone', times.get('gitgate')!, times.get('nginx')),
    ],
    peakServingRss,
  };
}

function pktLine(text: string): string {
  return `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
}

/**
 * A protocol v2 fetch of everything main reaches, as a fresh clone sends it; with `have`, as a clone
 * that holds a commit of its own (which the server does not know of) sends it.
 */
function uploadPackRequest(tip: string, have?: string): Buffer {
  return Buffer.from(
    `${pktLine('command=fetch\n')}${pktLine('agent=git/bench\n')}${pktLine('object-format=sha1\n')}0001` +
      `${pktLine('thin-pack\n')}${pktLine('no-progress\n')}${pktLine('ofs-delta\n')}${pktLine(`want ${tip}\n`)}` +
      `${have ? pktLine(`have ${have}\n`) : ''}${pktLine('done\n')}0000`,
  );
}

/** An object id no repository here holds: a request that names it is one the server has not seen. */
const unknownObjectId = () => randomBytes(20).toString('hex');

/**
 * The server side alone: the upload-pack request replayed with curl to /dev/null, against
 * `git upload-pack --stateless-rpc` reading the same request. A clone is dominated by the client's
 * index-pack; this isolates what the HTTP server adds. Gitgate answers a request it has answered
 * before from its pack answer cache; a request naming another commit of the client's own each run
 * (a key of its own; git ignores a `have` it does not know) shows the first answer, which git makes.
 * That one is also set beside git writing into a bare socket (bench/socket-floor.ts): the least any
 * HTTP server pays for an answer git makes.
 */
export async function servePack(ctx: GitContext): Promise<Row[]> {
  const body = path.join(ctx.work, 'upload-pack-request');
  fs.writeFileSync(body, uploadPackRequest(ctx.repo.tip));
  const firstBody = (i: number) => path.join(ctx.work, `upload-pack-request-${i}`);
  const env = cleanGitEnv(ctx.home, { GIT_PROTOCOL: 'version=2' });
  const curl = (url: string, auth: boolean, bodyOf: (i: number) => string = () => body) => async (i: number) => {
    const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '--data-binary', `@${bodyOf(i)}`];
    args.push('-H', 'Content-Type: application/x-git-upload-pack-request', '-H', 'Accept: application/x-git-upload-pack-result');
    args.push('-H', 'Git-Protocol: version=2');
    if (auth) args.push('-H', `Authorization: ${basicAuth(ctx.token)}`);
    const result = await runOk('curl', [...args, `${url}${repoPath}/git-upload-pack`]);
    const [status, size] = result.stdout.toString().split(' ');
    if (status !== '200' || Number(size) < ctx.repo.mainPackBytes * 0.9) {
      throw new Error(`upload-pack replay to ${url} answered ${status} with ${size} bytes`);
    }
    return result.ms;
  };
  const direct = async () => {
    const result = await run('git', ['upload-pack', '--stateless-rpc', ctx.serverRepoDir], { env, stdinFile: body, discardStdout: true });
    if (result.code !== 0) throw new Error(`git upload-pack failed: ${result.stderr}`);
    return result.ms;
  };
  const variants: Variant[] = [
    { name: 'floor', measure: direct },
    { name: 'gitgate', measure: curl(ctx.gitgate.url, true) },
    {
      name: 'gitgate-first',
      before: async (i) => fs.writeFileSync(firstBody(i), uploadPackRequest(ctx.repo.tip, unknownObjectId())),
      measure: curl(ctx.gitgate.url, true, firstBody),
      after: async (i) => fs.rmSync(firstBody(i), { force: true }),
    },
  ];
  if (ctx.nginxUrl) variants.push({ name: 'nginx', measure: curl(ctx.nginxUrl, false) });
  // What any HTTP server pays for an answer git makes: the socket, and curl reading from it.
  const socketFloor = await startSocketFloor(ctx.serverRepoDir, env);
  variants.push({ name: 'socket', measure: curl(socketFloor.url, false) });
  log('serving the full pack...');
  try {
    // Under a second a run: ten of them cost little and steady the median on a noisy machine.
    const times = await interleave(variants, Math.max(ctx.runs, SHORT_RUNS));
    return [
      timeRow('serve full pack (server side)', times.get('gitgate')!, times.get('floor')!, 'git upload-pack', '<= 1.15'),
      timeRow('serve full pack: first request (git makes it)', times.get('gitgate-first')!, times.get('floor')!, 'git upload-pack', '<= 1.15'),
      timeRow('serve full pack: first request: vs a bare socket', times.get('gitgate-first')!, times.get('socket')!, 'git upload-pack to a socket', null),
      nginxRow('serve full pack (server side)', times.get('gitgate')!, times.get('nginx')),
    ];
  } finally {
    await socketFloor.close();
  }
}

/** A local branch with a commit on top of `tip` that no other repository has. */
async function commitOfItsOwn(repoDir: string, tip: string, i: number, env: NodeJS.ProcessEnv) {
  const commit = await runOk('git', ['commit-tree', `${tip}^{tree}`, '-p', tip, '-m', `local work ${i} ${unknownObjectId()}`], { cwd: repoDir, env });
  await runOk('git', ['update-ref', 'refs/heads/local-work', commit.stdout.toString().trim()], { cwd: repoDir, env });
}

/** A client one commit behind fetches it: mostly negotiation and per-request overhead. */
export async function incrementalFetch(ctx: GitContext): Promise<Row[]> {
  const g = git(ctx);
  // The new commit lands in the served repository by a fetch into it (no hooks run).
  await runOk('git', ['fetch', '--quiet', '--no-tags', ctx.repo.dir, `refs/bench/next1:refs/heads/next1`], { cwd: ctx.serverRepoDir, env: g.env });
  // Fetches come between pushes, not within a second of one: answers about refs that fresh are not
  // kept (RACY_MS). The first-request row shows what an answer git has to make costs.
  await sleep(RACY_MS);
  const client = (name: string, i: number) => path.join(ctx.work, `fetch-${name}-${i}`);
  const prepare = (name: string) => async (i: number) => {
    await emptyBareRepo(client(name, i), g.env);
    installMainHistory(ctx.repo, client(name, i));
  };
  const fetchFrom = (name: string, url: string, auth: string[], env: (i: number) => NodeJS.ProcessEnv = () => ({})) => (i: number) =>
    g.timed([...auth, 'fetch', '--quiet', '--no-tags', url, 'refs/heads/next1:refs/heads/next1'], client(name, i), env(i));
  const variants: Variant[] = [
    { name: 'floor', before: prepare('floor'), measure: fetchFrom('floor', `file://${ctx.serverRepoDir}`, []), after: async (i) => rm(client('floor', i)) },
    {
      name: 'gitgate',
      before: prepare('gitgate'),
      measure: fetchFrom('gitgate', `${ctx.gitgate.url}${repoPath}`, g.auth),
      after: async (i) => rm(client('gitgate', i)),
    },
    {
      // A client with a commit of its own each run: it names it among its haves, so its fetch is a
      // request of its own, which git answers (nothing kept for it).
      name: 'gitgate-first',
      before: async (i) => {
        await prepare('gitgate-first')(i);
        await commitOfItsOwn(client('gitgate-first', i), ctx.repo.tip, i, g.env);
      },
      measure: fetchFrom('gitgate-first', `${ctx.gitgate.url}${repoPath}`, g.auth),
      after: async (i) => rm(client('gitgate-first', i)),
    },
  ];
  if (ctx.nginxUrl) {
    variants.push({ name: 'nginx', before: prepare('nginx'), measure: fetchFrom('nginx', `${ctx.nginxUrl}${repoPath}`, []), after: async (i) => rm(client('nginx', i)) });
  }
  log('incremental fetch...');
  const times = await interleave(variants, Math.max(ctx.runs, SHORT_RUNS));
  return [
    timeRow('fetch 1 new commit', times.get('gitgate')!, times.get('floor')!, 'git fetch file://', '<= 1.4'),
    timeRow('fetch 1 new commit: first request (git makes it)', times.get('gitgate-first')!, times.get('floor')!, 'git fetch file://', '<= 1.4'),
    nginxRow('fetch 1 new commit', times.get('gitgate')!, times.get('nginx')),
  ];
}

/**
 * Push of the generated commits onto main. The floor pushes to a local bare repository with the same
 * receive.fsckObjects setting; after each run the target returns to its exact previous state.
 */
export async function push(ctx: GitContext): Promise<Row[]> {
  const g = git(ctx);
  const pusher = path.join(ctx.work, 'push-client.git');
  await emptyBareRepo(pusher, g.env);
  installMainHistory(ctx.repo, pusher);
  await runOk('git', ['fetch', '--quiet', '--no-tags', ctx.repo.dir, 'refs/bench/push:refs/heads/push'], { cwd: pusher, env: g.env });

  const floorRepo = path.join(ctx.work, 'push-floor.git');
  await emptyBareRepo(floorRepo, g.env);
  installMainHistory(ctx.repo, floorRepo);
  await runOk('git', ['config', 'receive.fsckObjects', 'true'], { cwd: floorRepo, env: g.env });
  const fsckSetting = (await run('git', ['config', 'receive.fsckObjects'], { cwd: ctx.serverRepoDir, env: g.env })).stdout.toString().trim() || 'unset';

  const pushTo = (url: string, auth: string[]) => () => g.timed([...auth, 'push', '--quiet', url, 'refs/heads/push:refs/heads/main'], pusher);
  const resetting = (repoDir: string): Pick<Variant, 'before' | 'after'> => {
    let before = new Set<string>();
    return {
      before: async () => {
        before = objectFiles(repoDir);
      },
      after: async () => resetAfterPush(repoDir, before, ctx.repo.tip, g.env),
    };
  };
  const unprotected = await ctx.startGitgateWithoutPushProtection();
  try {
    const variants: Variant[] = [
      { name: 'floor', measure: pushTo(floorRepo, []), ...resetting(floorRepo) },
      { name: 'gitgate-off', measure: pushTo(`${unprotected.url}${repoPath}`, g.auth), ...resetting(ctx.serverRepoDir) },
      { name: 'gitgate-on', measure: pushTo(`${ctx.gitgate.url}${repoPath}`, g.auth), ...resetting(ctx.serverRepoDir) },
    ];
    if (ctx.nginxUrl) variants.push({ name: 'nginx', measure: pushTo(`${ctx.nginxUrl}${repoPath}`, []), ...resetting(ctx.serverRepoDir) });
    log(`push of ${ctx.repo.pushCommits} commits...`);
    const times = await interleave(variants, Math.max(ctx.runs, SHORT_RUNS));
    const extra = { commits: ctx.repo.pushCommits, receiveFsckObjects: fsckSetting };
    const what = `push ${ctx.repo.pushCommits} commits`;
    return [
      timeRow(`${what}, push protection off`, times.get('gitgate-off')!, times.get('floor')!, 'local push', '<= 1.08', extra),
      timeRow(`${what}, push protection on`, times.get('gitgate-on')!, times.get('floor')!, 'local push', '<= 1.3', extra),
      // nginx + http-backend scans nothing: the like-for-like comparison is with protection off.
      nginxRow(`${what} (protection off)`, times.get('gitgate-off')!, times.get('nginx')),
      nginxRow(`${what} (protection on)`, times.get('gitgate-on')!, times.get('nginx')),
    ];
  } finally {
    await unprotected.stop();
  }
}

/** 8 clones at once: wall time against 8 local clones at once, and the Gitgate process's memory. */
export async function parallelClones(ctx: GitContext, idleRss: number): Promise<Row[]> {
  const g = git(ctx);
  const count = 8;
  const dest = (name: string, i: number, j: number) => path.join(ctx.work, `par-${name}-${i}-${j}`);
  const all = async (args: (j: number) => string[]) => {
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: count }, (_, j) => runOk('git', args(j), { env: g.env })));
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const cleanup = (name: string) => async (i: number) => {
    for (let j = 0; j < count; j++) rm(dest(name, i, j));
  };
  let peakHwm = 0;
  let peakSampled = 0;
  let hwmReset = true;
  const variants: Variant[] = [
    {
      name: 'floor',
      measure: (i) => all((j) => ['clone', '--quiet', '--no-local', '--bare', ctx.serverRepoDir, dest('floor', i, j)]),
      after: cleanup('floor'),
    },
    {
      name: 'gitgate',
      measure: async (i) => {
        hwmReset = resetPeakMemory(ctx.gitgate.pid) && hwmReset;
        const sampler = sampleRss(ctx.gitgate.pid);
        try {
          return await all((j) => [...g.auth, 'clone', '--quiet', '--bare', `${ctx.gitgate.url}${repoPath}`, dest('gitgate', i, j)]);
        } finally {
          peakSampled = Math.max(peakSampled, sampler.stop());
          peakHwm = Math.max(peakHwm, readMemory(ctx.gitgate.pid)?.hwm ?? 0);
        }
      },
      after: cleanup('gitgate'),
    },
  ];
  if (ctx.nginxUrl) {
    variants.push({
      name: 'nginx',
      measure: (i) => all((j) => ['clone', '--quiet', '--bare', `${ctx.nginxUrl}${repoPath}`, dest('nginx', i, j)]),
      after: cleanup('nginx'),
    });
  }
  log('8 parallel clones...');
  const runs = Math.max(3, Math.min(ctx.runs, Number(process.env.BENCH_PARALLEL_RUNS ?? ctx.runs)));
  const times = await interleave(variants, runs);
  const peak = hwmReset ? peakHwm : peakSampled;
  return [
    timeRow('8 parallel clones (wall)', times.get('gitgate')!, times.get('floor')!, '8 local clones', null),
    nginxRow('8 parallel clones (wall)', times.get('gitgate')!, times.get('nginx')),
    makeRow({
      group: 'memory',
      workload: 'RSS above idle during 8 parallel clones',
      unit: 'MB',
      gitgate: (peak - idleRss) / MB,
      baseline: 150,
      baselineName: 'limit',
      target: '< 1.0',
      extra: {
        idleRssMb: idleRss / MB,
        peakRssMb: peak / MB,
        peakSource: hwmReset ? 'VmHWM after reset via /proc/PID/clear_refs' : 'VmRSS sampled every 20 ms',
        peakSampledMb: peakSampled / MB,
        note: 'the Node process only; the git children it spawns are separate processes',
      },
    }),
  ];
}

/** What a CI fleet pays per fetch: ls-remote with a token against anonymous, on a public repository. */
export async function lsRemoteAuth(ctx: GitContext): Promise<Row[]> {
  const g = git(ctx);
  const url = `${ctx.gitgate.url}${repoPath}`;
  const variants: Variant[] = [
    { name: 'anonymous', measure: () => g.timed(['ls-remote', url]) },
    { name: 'token', measure: () => g.timed([...g.auth, 'ls-remote', url]) },
  ];
  log('ls-remote with and without a token...');
  const times = await interleave(variants, Math.max(ctx.runs, 20));
  return [timeRow('ls-remote with token vs anonymous', times.get('token')!, times.get('anonymous')!, 'anonymous', null)];
}
