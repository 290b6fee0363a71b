import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { makeTempDir, type TestServer } from '../helpers/server.js';
import { testGitEnv } from '../helpers/git-env.js';

const GIT_ENV = testGitEnv();

export function git(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, { cwd: options.cwd, env: { ...GIT_ENV, ...options.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A repository created through the domain (as the CLI would) holding one commit with the given
 * files, pushed straight into its bare directory: setup, not the behaviour under test.
 */
export async function createRepoWithFiles(server: TestServer, owner: string, name: string, files: Record<string, string>, isPrivate = true) {
  const repo = await server.services.repos.create(SYSTEM, owner, { name, private: isPrivate, description: null });
  const work = makeTempDir('gitgate-work-');
  try {
    git(['init', '--quiet', '--initial-branch=main', work]);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      fs.writeFileSync(path.join(work, file), content);
    }
    git(['add', '.'], { cwd: work });
    git(['commit', '--quiet', '-m', 'first commit'], { cwd: work });
    git(['push', '--quiet', server.services.repos.storage.pathOf(owner, name), 'HEAD:refs/heads/main'], { cwd: work });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return repo;
}

const execFileAsync = promisify(execFile);

/**
 * `git clone` over HTTP, answering Git's username and password prompts the way a person would
 * (token as password). Asynchronous: the server under test runs in this same process.
 */
export async function cloneWithToken(url: string, username: string, token: string): Promise<{ ok: boolean; root: string; dir: string; output: string }> {
  const root = makeTempDir('gitgate-clone-');
  const askpass = path.join(root, 'askpass.sh');
  fs.writeFileSync(askpass, '#!/bin/sh\ncase "$1" in Username*) printf "%s\\n" "$GG_USER";; *) printf "%s\\n" "$GG_TOKEN";; esac\n', { mode: 0o700 });
  const dir = path.join(root, 'clone');
  try {
    const { stderr } = await execFileAsync('git', ['clone', '--quiet', url, dir], {
      env: { ...GIT_ENV, GIT_ASKPASS: askpass, GG_USER: username, GG_TOKEN: token },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { ok: true, root, dir, output: stderr };
  } catch (error) {
    return { ok: false, root, dir, output: String((error as { stderr?: string }).stderr ?? error) };
  }
}
