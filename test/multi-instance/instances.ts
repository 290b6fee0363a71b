import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { testGitEnv } from '../helpers/git-env.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/gitgate.js');
const exec = promisify(execFile);

export interface Instance {
  url: string;
  /** Everything the process wrote, for diagnosis and redaction checks. */
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a real `gitgate serve` process on 127.0.0.1 and an ephemeral port; resolves once it listens. */
export function startInstance(dataDir: string, env: Record<string, string>): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir], {
    env: { ...process.env, GITGATE_DEBUG: '', GITGATE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`instance did not start in 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Gitgate listening on (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // A signal here (SIGABRT, SIGSEGV) means a native crash, not a configuration problem: say which.
      reject(new Error(`instance exited with ${code ?? `signal ${signal}`} before listening:\n${output}`));
    });
  });
}

/** Runs git with no user configuration and no credential prompts. */
export async function git(args: string[], cwd?: string): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await exec('git', args, {
    cwd,
    env: testGitEnv('/nonexistent'),
  });
  return { stdout, stderr };
}

export function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** The smart-HTTP advertisement of a repository: the cheapest token-authenticated request git makes. */
export function infoRefs(base: string, fullName: string, authorization?: string): Promise<Response> {
  return fetch(`${base}/${fullName}.git/info/refs?service=git-upload-pack`, { headers: authorization ? { authorization } : {} });
}
