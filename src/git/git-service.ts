import type { ChildProcess, ChildProcessByStdio, ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
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
  /** Also give git a socket to this process as fd 3, inherited by its hooks (`child.stdio[3]`). */
  channelFd?: boolean;
}

/** `git upload-pack|receive-pack --stateless-rpc [--advertise-refs] DIR`, stdio piped. */
export function spawnGitService(options: GitServiceOptions): ChildProcessWithoutNullStreams {
  const args: string[] = [...(options.configArgs ?? [])];
  if (options.service === 'git-receive-pack' && options.maxInputBytes) args.push('-c', `receive.maxInputSize=${options.maxInputBytes}`);
  args.push(options.service === 'git-upload-pack' ? 'upload-pack' : 'receive-pack', '--stateless-rpc');
  if (options.advertiseRefs) args.push('--advertise-refs');
  args.push(options.repoDir);
  return spawnGit(args, {
    stdio: options.channelFd ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    extraEnv: { ...options.env, ...(options.protocol ? { GIT_PROTOCOL: options.protocol } : {}) },
  }) as ChildProcessWithoutNullStreams;
}

/**
 * Ends a git process that is no longer wanted (its client went away). SIGTERM first so git removes
 * its lock files; SIGKILL if it has not gone after `graceMs`. Node reaps the child: no zombie.
 */
export function stopGitProcess(child: ChildProcess, graceMs = 5000): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}

/** The libuv handle method Node uses for its own stdio; absent where a runtime lacks it. */
type BlockingSwitch = { setBlocking?: (blocking: boolean) => number };

/** Whether `socket` can become git's stdout (a plain TCP socket whose blocking mode can be put back). */
export function canBeGitStdout(socket: Socket): boolean {
  const handle = (socket as unknown as { _handle?: BlockingSwitch | null })._handle;
  return typeof handle?.setBlocking === 'function';
}

/**
 * `git upload-pack --stateless-rpc DIR` writing its answer straight into `output`: the client's
 * connection (no byte of the pack passes through this process: no pipe read, no JS Buffer, no
 * second copy; the caller has written the HTTP head before and reads on from the socket to notice a
 * client that goes away), or an open file (a descriptor) the answer is read from as it grows.
 */
export function spawnUploadPackInto(output: Socket | number, options: { repoDir: string; protocol?: string }): ChildProcessByStdio<Writable, null, Readable> {
  const child = spawnGit(['upload-pack', '--stateless-rpc', options.repoDir], {
    stdio: ['pipe', output, 'pipe'],
    extraEnv: options.protocol ? { GIT_PROTOCOL: options.protocol } : {},
  }) as ChildProcessByStdio<Writable, null, Readable>;
  // libuv makes fds 0-2 blocking in the child before exec, and O_NONBLOCK belongs to the open file
  // description this process shares: put it back, or a read of ours on the socket could stall the
  // event loop. git copes with a non-blocking stdout (xwrite polls on EAGAIN).
  if (typeof output !== 'number') (output as unknown as { _handle: BlockingSwitch })._handle.setBlocking?.(false);
  return child;
}
