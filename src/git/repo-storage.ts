import fs from 'node:fs/promises';
import path from 'node:path';
import { runGit } from './git-command.js';

/** Where bare repositories live on disk: DATA/repositories/OWNER/NAME.git, lower-cased. */
export function createRepoStorage(dataDir: string) {
  const root = path.join(dataDir, 'repositories');
  const pathOf = (owner: string, name: string) => path.join(root, owner.toLowerCase(), `${name.toLowerCase()}.git`);

  return {
    root,
    pathOf,

    async create(owner: string, name: string, defaultBranch: string): Promise<string> {
      const dir = pathOf(owner, name);
      await fs.rm(dir, { recursive: true, force: true }); // a leftover of a failed deletion
      await fs.mkdir(path.dirname(dir), { recursive: true });
      await runGit(['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir]);
      // Corrupt objects are refused at push time; deletions and non-fast-forwards stay git's default (allowed).
      await runGit(['config', 'receive.fsckObjects', 'true'], { cwd: dir });
      await runGit(['config', 'http.receivepack', 'true'], { cwd: dir });
      await runGit(['config', 'uploadpack.allowFilter', 'true'], { cwd: dir });
      await runGit(['config', 'uploadpack.allowAnySHA1InWant', 'true'], { cwd: dir });
      return dir;
    },

    async rename(owner: string, from: string, to: string): Promise<void> {
      if (from.toLowerCase() === to.toLowerCase()) return;
      await fs.rename(pathOf(owner, from), pathOf(owner, to));
    },

    async remove(owner: string, name: string): Promise<void> {
      await fs.rm(pathOf(owner, name), { recursive: true, force: true });
    },
  };
}

export type RepoStorage = ReturnType<typeof createRepoStorage>;
