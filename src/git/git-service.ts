import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnGit } from './git-command.js';

/** The two services of Git's smart protocol; the dumb protocol is not offered. */
export type GitService = 'git-upload-pack' | 'git-receive-pack';

export function isGitService(value: unknown): value is GitService {
  return value === 'git-upload-pack' || value === 'git-receive-pack';
}

/**
 * A `Git-Protocol` header value as git itself sends it (`version=2`, `key=value:key2`). Anything
 * else is dropped rather than passed into git's environment.
 */
export function sanitizeGitProtocol(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || text.length > 256 || !/^[A-Za-z0-9=:._-]+$/.test(text)) return undefined;
  return text;
}

/** Whether git answers in protocol v2 (it then writes its own first lines for info/refs). */
export function isProtocolV2(protocol: string | undefined): boolean {
  return protocol?.split(':').includes('version=2') ?? false;
}

export interface GitServiceOptions {
  service: GitService;
  repoDir: string;
  advertiseRefs: boolean;
  protocol?: string;
  /** receive-pack refuses a pack larger than this on its own too (receive.maxInputSize). */
  maxInputBytes?: number;
  /** More `-c key=value` pairs and environment (e.g. a pre-receive hook channel's). */
  configArgs?: string[];
  env?: Record<string, string>;
}

/** `git upload-pack|receive-pack --stateless-rpc [--advertise-refs] DIR`, stdio piped. */
export function spawnGitService(options: GitServiceOptions): ChildProcessWithoutNullStreams {
  const args: string[] = [...(options.configArgs ?? [])];
  if (options.service === 'git-receive-pack' && options.maxInputBytes) args.push('-c', `receive.maxInputSize=${options.maxInputBytes}`);
  args.push(options.service === 'git-upload-pack' ? 'upload-pack' : 'receive-pack', '--stateless-rpc');
  if (options.advertiseRefs) args.push('--advertise-refs');
  args.push(options.repoDir);
  return spawnGit(args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    extraEnv: { ...options.env, ...(options.protocol ? { GIT_PROTOCOL: options.protocol } : {}) },
  }) as ChildProcessWithoutNullStreams;
}

/**
 * Ends a git process that is no longer wanted (its client went away). SIGTERM first so git removes
 * its lock files; SIGKILL if it has not gone after `graceMs`. Node reaps the child: no zombie.
 */
export function stopGitProcess(child: ChildProcessWithoutNullStreams, graceMs = 5000): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}
