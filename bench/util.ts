import { type SpawnOptions, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Where every run keeps its throw-away files; removed at exit. */
export function makeWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-bench-'));
}

/**
 * A git environment free of the user's and the system's configuration, so every client in the bench
 * (floor, Gitgate, nginx) runs with the same settings.
 */
export function cleanGitEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
    ...extra,
  };
}

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** Runs a command to completion, timing it from spawn to exit; output is collected unless discarded. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { input?: Buffer | string; discardStdout?: boolean; stdinFile?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const { input, discardStdout, stdinFile, ...spawnOptions } = options;
    const stdin = stdinFile ? fs.openSync(stdinFile, 'r') : input !== undefined ? 'pipe' : 'ignore';
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { ...spawnOptions, stdio: [stdin, discardStdout ? 'ignore' : 'pipe', 'pipe'] });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (err.length < 64 * 1024) err += chunk.toString();
    });
    child.on('error', reject);
    if (input !== undefined) child.stdin?.end(input);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err, ms });
    });
  });
}

/** Like run(), but a non-zero exit is an error that names the command and its stderr. */
export async function runOk(command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim().slice(-2000)}`);
  }
  return result;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident memory of a process in bytes, from /proc (VmRSS: now, VmHWM: the peak since start or reset). */
export function readMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs); false where not permitted. */
export function resetPeakMemory(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every few milliseconds; stop() returns the highest value seen. */
export function sampleRss(pid: number, everyMs = 20): { stop(): number } {
  let peak = readMemory(pid)?.rss ?? 0;
  const timer = setInterval(() => {
    const now = readMemory(pid)?.rss ?? 0;
    if (now > peak) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readMemory(pid)?.rss ?? 0);
    },
  };
}

export const MB = 1024 * 1024;

export function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${text}`);
  return value;
}

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Fisher-Yates with Math.random: the order only needs to defeat locality, not to repeat. */
export function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
