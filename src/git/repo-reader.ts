import type { ChildProcess } from 'node:child_process';
import { runGit, spawnGit } from './git-command.js';

/**
 * Reads a bare repository through git plumbing only (for-each-ref, rev-parse, log, ls-tree,
 * cat-file, archive). Every ref and path reaches git as one argument after `--` or as a revision
 * checked by `rev-parse --verify`, so no caller-supplied text can become an option.
 */
export interface BranchInfo {
  name: string;
  sha: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  /** Null for trees and submodules. */
  size: number | null;
  name: string;
  path: string;
}

const SAFE_REF = /^(?!-)[^\0\s~^:?*[\\]{1,255}$/;

function isSafeRef(ref: string): boolean {
  return SAFE_REF.test(ref) && !ref.includes('..');
}

export function createRepoReader(dir: string) {
  const git = (args: string[]) => runGit(args, { cwd: dir });

  return {
    dir,

    async branches(): Promise<BranchInfo[]> {
      const out = (await git(['for-each-ref', '--format=%(refname:short)%00%(objectname)', 'refs/heads/'])).toString('utf8');
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name, sha] = line.split('\0');
          return { name: name!, sha: sha! };
        });
    },

    /** The commit a branch, tag or sha names, or null. */
    async resolveCommit(ref: string): Promise<string | null> {
      if (!isSafeRef(ref)) return null;
      try {
        const out = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
        return out.toString('utf8').trim() || null;
      } catch {
        return null;
      }
    },

    async isEmpty(): Promise<boolean> {
      return (await this.branches()).length === 0;
    },

    /** Commits reachable from `sha`, newest first. */
    async log(sha: string, options: { skip: number; limit: number }): Promise<CommitInfo[]> {
      const format = '%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e';
      const out = (await git(['log', `--format=${format}`, `--skip=${options.skip}`, `--max-count=${options.limit}`, sha, '--'])).toString('utf8');
      return out
        .split('\x1e')
        .map((record) => record.replace(/^\n/, ''))
        .filter(Boolean)
        .map(parseCommitRecord);
    },

    async countCommits(sha: string): Promise<number> {
      return Number((await git(['rev-list', '--count', sha, '--'])).toString('utf8').trim());
    },

    async commit(sha: string): Promise<CommitInfo> {
      const [commit] = await this.log(sha, { skip: 0, limit: 1 });
      return commit!;
    },

    /** The entry at `path` in a commit ('' is the root tree), or null. */
    async entry(commit: string, path: string): Promise<TreeEntry | null> {
      const clean = path.replace(/^\/+|\/+$/g, '');
      if (clean === '') {
        const tree = (await git(['rev-parse', `${commit}^{tree}`])).toString('utf8').trim();
        return { mode: '040000', type: 'tree', sha: tree, size: null, name: '', path: '' };
      }
      const out = (await git(['ls-tree', '-z', '-l', commit, '--', clean])).toString('utf8');
      const entry = parseTree(out, clean.includes('/') ? clean.slice(0, clean.lastIndexOf('/') + 1) : '')[0];
      return entry && entry.path === clean ? entry : null;
    },

    /** The entries of a tree, in git's order (by name). */
    async listTree(treeSha: string, parentPath: string): Promise<TreeEntry[]> {
      const out = (await git(['ls-tree', '-z', '-l', treeSha])).toString('utf8');
      return parseTree(out, parentPath === '' ? '' : `${parentPath}/`);
    },

    async readBlob(sha: string): Promise<Buffer> {
      return runGit(['cat-file', 'blob', sha], { cwd: dir, maxBuffer: 100 * 1024 * 1024 });
    },

    /** A blob's bytes as a stream (raw downloads are not buffered). */
    streamBlob(sha: string): ChildProcess {
      return spawnGit(['cat-file', 'blob', sha], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    },

    /** `git archive` of a commit: its stdout is the archive, streamed by the caller. */
    streamArchive(commit: string, format: 'tar.gz' | 'zip', prefix: string): ChildProcess {
      return spawnGit(['archive', `--format=${format}`, `--prefix=${prefix}`, commit], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    },

    /** The README at the root of a commit (any case, any extension), or null. */
    async readme(commit: string): Promise<TreeEntry | null> {
      const root = await this.entry(commit, '');
      const entries = await this.listTree(root!.sha, '');
      return entries.find((e) => e.type === 'blob' && /^readme(\.[a-z0-9]+)?$/i.test(e.name)) ?? null;
    },
  };
}

function parseCommitRecord(record: string): CommitInfo {
  const [sha, tree, parents, an, ae, ad, cn, ce, cd, ...rest] = record.split('\0');
  return {
    sha: sha!,
    tree: tree!,
    parents: parents ? parents.split(' ').filter(Boolean) : [],
    author: { name: an!, email: ae!, date: ad! },
    committer: { name: cn!, email: ce!, date: cd! },
    message: rest.join('\0').replace(/\n+$/, ''),
  };
}

function parseTree(out: string, prefix: string): TreeEntry[] {
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
      const name = line.slice(tab + 1);
      const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
      return {
        mode: mode!,
        type: type as TreeEntry['type'],
        sha: sha!,
        size: size === '-' || size === undefined ? null : Number(size),
        name: base,
        path: name.includes('/') ? name : `${prefix}${name}`,
      };
    });
}

export type RepoReader = ReturnType<typeof createRepoReader>;
