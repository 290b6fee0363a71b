import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { generateSelfSignedCert } from '../../src/cli/cert-commands.js';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/server.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Whether gh is on PATH; CI sets GITGATE_REQUIRE_GH=1, turning a missing gh into a failure. */
export function findGh(): { available: boolean; version: string | null } {
  const probe = spawnSync('gh', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    if (process.env.GITGATE_REQUIRE_GH === '1') throw new Error('GITGATE_REQUIRE_GH=1 but `gh` is not installed (apt-get install gh)');
    process.stderr.write(
      '\n*** gh (the GitHub CLI) is not installed: the gh compatibility tests are SKIPPED. ***\n*** Install it (apt-get install gh) or set GITGATE_REQUIRE_GH=1 to make this a failure. ***\n\n',
    );
    return { available: false, version: null };
  }
  return { available: true, version: probe.stdout.split('\n')[0] ?? null };
}

/** Variables that would point gh or git at another host, token or repository: never inherited. */
const REMOVED = ['GH_TOKEN', 'GITHUB_TOKEN', 'GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN', 'GH_REPO', 'GH_HOST', 'GH_CONFIG_DIR', 'GIT_DIR', 'GIT_WORK_TREE'];

/**
 * Gitgate over real TLS on 127.0.0.1, a self-signed certificate for `localhost`, and a sandbox
 * (HOME, GH_CONFIG_DIR) in which gh and git run exactly as a user would run them.
 */
export interface GhHarness {
  server: TestServer;
  host: string;
  port: number;
  home: string;
  certFile: string;
  env: NodeJS.ProcessEnv;
  gh(args: string[], options?: { stdin?: string; cwd?: string }): Promise<RunResult>;
  git(args: string[], options?: { cwd?: string }): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startGhHarness(): Promise<GhHarness> {
  const sandbox = makeTempDir('gitgate-gh-');
  const certFile = path.join(sandbox, 'cert.pem');
  const keyFile = path.join(sandbox, 'key.pem');
  const generated = generateSelfSignedCert('localhost');
  fs.writeFileSync(certFile, generated.cert);
  fs.writeFileSync(keyFile, generated.key, { mode: 0o600 });
  const server = await startTestServer({ https: { cert: certFile, key: keyFile } });
  const port = Number(new URL(server.url).port);
  const host = `localhost:${port}`;
  const home = path.join(sandbox, 'home');
  fs.mkdirSync(path.join(home, 'gh-config'), { recursive: true });

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of REMOVED) delete env[key];
  for (const key of Object.keys(env)) if (key.startsWith('GIT_CONFIG') || key.startsWith('GITGATE_')) delete env[key];
  Object.assign(env, {
    GH_HOST: host,
    GH_CONFIG_DIR: path.join(home, 'gh-config'),
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    SSL_CERT_FILE: certFile,
    GIT_SSL_CAINFO: certFile,
    GH_NO_UPDATE_NOTIFIER: '1',
    GH_PROMPT_DISABLED: '1',
    NO_COLOR: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Gh Tester',
    GIT_AUTHOR_EMAIL: 'gh-tester@example.com',
    GIT_COMMITTER_NAME: 'Gh Tester',
    GIT_COMMITTER_EMAIL: 'gh-tester@example.com',
  });

  const run = (command: string, args: string[], options: { stdin?: string; cwd?: string } = {}) =>
    runChild(command, args, { env, cwd: options.cwd ?? home, stdin: options.stdin });

  return {
    server,
    host,
    port,
    home,
    certFile,
    env,
    gh: (args, options) => run('gh', args, options),
    git: (args, options) => run('git', args, options),
    async close() {
      await server.close();
      fs.rmSync(sandbox, { recursive: true, force: true });
    },
  };
}

/** Runs a child to completion; one that hangs is killed after `timeoutMs` and reported as such. */
export function runChild(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; stdin?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a child that exits without reading its input
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * Sends a plain-HTTP request to a TLS port and reports what came back and whether the server
 * closed the connection (rather than leaving the client hanging) within `timeoutMs`.
 */
export function plainHttpTo(port: number, timeoutMs = 5000): Promise<{ closed: boolean; received: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received });
    }, timeoutMs);
    socket.on('connect', () => socket.write('GET /api/v3/ HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n'));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
  });
}
