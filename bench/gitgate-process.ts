import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runOk, sleep } from './util.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** BENCH_GITGATE_BIN benches another build (e.g. a checkout of the previous release) with the same harness. */
const BIN = process.env.BENCH_GITGATE_BIN ? path.resolve(process.env.BENCH_GITGATE_BIN) : path.join(ROOT, 'bin', 'gitgate.js');

export const BENCH_USER = 'bench';
export const BENCH_REPO = 'big';

/** The defaults of a production server, except the API rate limit, set so high it never trips (it still counts). */
export function gitgateEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C' };
  return { ...env, GITGATE_RATE_LIMIT: '100000000', GITGATE_LOG_LEVEL: 'warn', ...extra };
}

/** Runs the gitgate CLI against a data directory (as an administrator would). */
export async function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  const result = await runOk(process.execPath, [BIN, ...args], { env, input, cwd: ROOT });
  return result.stdout.toString();
}

export interface GitgateSetup {
  dataDir: string;
  token: string;
  /** The bare repository Gitgate serves, on disk. */
  repoDir: string;
  repositoriesRoot: string;
}

/** A user, a token with the repo scope, and a public repository, all made with the CLI. */
export async function setupGitgate(dataDir: string, env: NodeJS.ProcessEnv): Promise<GitgateSetup> {
  fs.mkdirSync(dataDir, { recursive: true });
  await cli(['user', 'create', BENCH_USER, '--email', 'bench@example.com', '--password-stdin', '--data', dataDir], env, 'correct horse battery staple\n');
  const token = (await cli(['token', 'create', '--user', BENCH_USER, '--note', 'bench', '--scopes', 'repo', '--expires', 'never', '--data', dataDir], env)).trim();
  await cli(['repo', 'create', `${BENCH_USER}/${BENCH_REPO}`, '--data', dataDir], env);
  const repositoriesRoot = path.join(dataDir, 'repositories');
  const repoDir = path.join(repositoriesRoot, BENCH_USER, `${BENCH_REPO}.git`);
  if (!fs.existsSync(path.join(repoDir, 'HEAD'))) throw new Error(`gitgate did not create ${repoDir}`);
  return { dataDir, token, repoDir, repositoriesRoot };
}

export interface GitgateServer {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `gitgate serve` as a real child process and waits until it says it listens. */
export async function startGitgate(dataDir: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<GitgateServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gitgate serve exited ${child.exitCode}: ${output.slice(-2000)}`);
    if (output.includes('listening')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gitgate serve did not start within 30 s: ${output.slice(-2000)}`);
    }
    await sleep(50);
  }
  // Logs at warn level are few; keep draining so a full pipe never blocks the server.
  return {
    url,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timeout = sleep(10_000).then(() => child.kill('SIGKILL'));
      await Promise.race([exited, timeout]);
      await exited;
    },
  };
}

/** Status code of a request, or 0 when the server cannot be reached. */
export async function probe(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export function basicAuth(token: string): string {
  return `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}
