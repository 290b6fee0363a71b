import fs from 'node:fs';
import path from 'node:path';

/**
 * What a git answer depends on besides the request and the repository's refs, as a string to key a
 * cache on: the git binary (its version decides the answer's format and capabilities), the
 * repository's `config` by content (repositories with the same configuration share it), and the
 * global config files git reads (HOME is passed on; system config is off) by identity. Null for
 * configurations a key cannot follow: `include`/`includeIf` (other files), per-worktree config,
 * another ref storage, and `transfer.advertiseSID` (a session id must never be shared).
 */
export type GitSetting = (repoDir: string) => string | null;

const UNCACHEABLE = /^\s*\[\s*include|worktreeconfig|refstorage|advertisesid/im;
const MAX_CONFIGS = 1024;

/**
 * A file's modification time is as coarse as the kernel's clock tick (1-4 ms), and a freed inode
 * number can come back at once: two writes within one tick could leave a file that looks exactly
 * like an earlier one. As git does for its index ("racy git"), what was read from a file is kept
 * under its identity only once the file is older than this, so a later write cannot share its time.
 */
export const RACY_MS = 1000;

export function createGitSetting(env: NodeJS.ProcessEnv): GitSetting {
  const home = env.HOME ?? '';
  const globalFiles = [path.join(home, '.gitconfig'), path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'git', 'config')];
  const gitBinary = findOnPath('git', env.PATH ?? '');
  /** The global files' identities last checked, and whether they were cacheable. */
  let checked: { identities: string; ok: boolean } | null = null;

  // Each repository's config as last read (null: absent or uncacheable), under its identity (once
  // older than RACY_MS): a stat per request instead of a read and a scan.
  const configs = new Map<string, { identity: string; config: string | null }>();
  const configOf = (repoDir: string): string | null => {
    const file = path.join(repoDir, 'config');
    const version = fileVersion(file);
    const known = configs.get(file);
    if (known?.identity === version.identity) return known.config;
    const text = readIfExists(file);
    const config = text === null || UNCACHEABLE.test(text) ? null : text;
    if (version.mtimeMs <= Date.now() - RACY_MS) {
      if (configs.size >= MAX_CONFIGS) configs.delete(configs.keys().next().value!);
      configs.set(file, { identity: version.identity, config });
    }
    return config;
  };

  return (repoDir) => {
    if (!gitBinary) return null;
    const config = configOf(repoDir);
    if (config === null) return null;
    const identities = globalFiles.map(fileIdentity).join('|');
    if (checked?.identities !== identities) {
      checked = { identities, ok: globalFiles.every((file) => !UNCACHEABLE.test(readIfExists(file) ?? '')) };
    }
    if (!checked.ok) return null;
    return JSON.stringify([fileIdentity(gitBinary), identities, config]);
  };
}

/** What identifies a version of a file cheaply: inode, size and modification time (ns); 'none' when absent. */
function fileIdentity(file: string): string {
  return fileVersion(file).identity;
}

/** A file's identity and its modification time in ms (0 when absent). */
export function fileVersion(file: string): { identity: string; mtimeMs: number } {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat ? { identity: `${stat.ino}:${stat.size}:${stat.mtimeNs}`, mtimeMs: Number(stat.mtimeNs / 1_000_000n) } : { identity: 'none', mtimeMs: 0 };
}

export function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The file `execvp` would run for `name`, or null. */
function findOnPath(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
