import { execFile, spawn, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The only module that starts `git`. A clean environment: no user or system config leaks in. */
export function gitEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Runs git to completion and returns its stdout; `input` is written to its stdin. Rejects with git's stderr on failure. */
export async function runGit(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; maxBuffer?: number; input?: string | Buffer } = {},
) {
  const running = execFileAsync('git', args, {
    cwd: options.cwd,
    env: gitEnv(options.env),
    maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
    encoding: 'buffer',
  });
  // git may exit without reading its stdin (most commands do): that EPIPE is not an error of ours.
  running.child.stdin?.on('error', () => {});
  if (options.input !== undefined) running.child.stdin?.end(options.input);
  else running.child.stdin?.end();
  const { stdout } = await running;
  return stdout as Buffer;
}

export function spawnGit(args: string[], options: SpawnOptions & { extraEnv?: Record<string, string | undefined> } = {}) {
  const { extraEnv, ...rest } = options;
  return spawn('git', args, { ...rest, env: gitEnv(extraEnv) });
}
