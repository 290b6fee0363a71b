import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { RACY_MS } from '../../src/git/git-setting.js';
import { createToken, createUser, makeTempDir, startTestServer, type TestServer } from '../helpers/server.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A git user's machine: an isolated HOME (no global or system config, no prompts) in a temp dir. */
export interface GitClient {
  home: string;
  run(args: string[], options?: { cwd?: string; env?: Record<string, string>; input?: string | Buffer }): Promise<GitResult>;
  /** Runs and fails the test with git's output when git fails. */
  ok(args: string[], options?: { cwd?: string; env?: Record<string, string>; input?: string | Buffer }): Promise<GitResult>;
  cleanup(): void;
}

export function createGitClient(): GitClient {
  const home = makeTempDir('gitgate-client-');
  fs.writeFileSync(
    path.join(home, '.gitconfig'),
    '[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
  );
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    ...extra,
  });
  let runs = 0;
  // Output goes to files, not pipes: `credential-cache` leaves a daemon holding git's stderr, and a
  // pipe would then never close.
  const run: GitClient['run'] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      runs += 1;
      const outFile = path.join(home, `.out-${runs}`);
      const errFile = path.join(home, `.err-${runs}`);
      const out = fs.openSync(outFile, 'w');
      const err = fs.openSync(errFile, 'w');
      const child = spawn('git', args, { cwd: options.cwd ?? home, env: env(options.env), stdio: ['pipe', out, err] });
      fs.closeSync(out);
      fs.closeSync(err);
      child.on('error', reject);
      child.stdin!.on('error', () => {}); // git may exit without reading its input
      child.on('exit', (code, signal) => {
        const stdout = fs.readFileSync(outFile, 'utf8');
        const stderr = fs.readFileSync(errFile, 'utf8');
        fs.rmSync(outFile);
        fs.rmSync(errFile);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
      child.stdin!.end(options.input ?? '');
    });
  return {
    home,
    run,
    async ok(args, options) {
      const result = await run(args, options);
      if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
      return result;
    },
    cleanup() {
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** `http://user:token@host/OWNER/NAME.git` (credentials in the URL userinfo, as CI scripts do). */
export function repoUrl(serverUrl: string, fullName: string, credentials?: { user?: string; token: string }, suffix = '.git'): string {
  const url = new URL(`${serverUrl}/${fullName}${suffix}`);
  if (credentials) {
    url.username = credentials.user ?? 'x-token';
    url.password = credentials.token;
  }
  return url.toString();
}

/** What `withAliceOnServer` hands a test file. */
export interface AliceOnServer {
  server: TestServer;
  git: GitClient;
  /** Alice's `repo` token, and its id. */
  token: string;
  tokenId: number;
}

/**
 * The set-up most git test files share, registered as the file's `before` and `after` hooks: a test
 * server started with `options`, a git client, and user alice holding a `repo` token. `use` gets them
 * (and does the file's own set-up) before any test runs; both are closed after. The file's set-up
 * goes in `use`, not in a `before` of its own: the order of top-level hooks is not to be relied on.
 */
export function withAliceOnServer(options: Parameters<typeof startTestServer>[0], use: (fixture: AliceOnServer) => void | Promise<void>): void {
  let server: TestServer | undefined;
  let git: GitClient | undefined;
  before(async () => {
    server = await startTestServer(options);
    git = createGitClient();
    const alice = await createUser(server, { login: 'alice' });
    const { token, id: tokenId } = await createToken(server, alice, { scopes: ['repo'] });
    await use({ server, git, token, tokenId });
  });
  after(async () => {
    await server?.close();
    git?.cleanup();
  });
}

/**
 * Makes the repository's ref files look older than RACY_MS, as they are on a server between pushes:
 * answers about fresher files are not kept (see RACY_MS).
 */
export function ageRefFiles(repoDir: string) {
  const past = new Date(Date.now() - 10 * RACY_MS);
  const files = [path.join(repoDir, 'HEAD'), path.join(repoDir, 'packed-refs')];
  for (const entry of fs.readdirSync(path.join(repoDir, 'refs'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  for (const file of files) if (fs.existsSync(file)) fs.utimesSync(file, past, past);
}
