import fs from 'node:fs';
import path from 'node:path';

/**
 * Protocol v2's answer to `GET info/refs?service=git-upload-pack` lists the server's capabilities,
 * not its refs (those come with `ls-refs`): the same bytes for every repository that reads the same
 * configuration with the same git. Spawning git for it is one of the three git processes of every
 * fetch, so its bytes are kept, keyed on everything they depend on:
 * - the git binary (its version is the `agent=` line and decides the capabilities),
 * - the repository's `config` file, by content (all Gitgate repositories share one entry),
 * - the global config files git reads (HOME is passed on; system config is off), by identity,
 * - the `Git-Protocol` value git receives.
 * Configurations this cannot follow are never cached: `include`/`includeIf` (other files),
 * per-worktree config, and `transfer.advertiseSID` (a session id must not be shared).
 */
export interface CapabilityCache {
  /** git's bytes, or the key under which to remember them once git has answered (null: never cache). */
  lookup(repoDir: string, protocol: string | undefined): { bytes: Buffer } | { bytes: null; key: string | null };
  remember(key: string, bytes: Buffer): void;
}

const UNCACHEABLE = /^\s*\[\s*include|worktreeconfig|advertisesid/im;
const MAX_ENTRIES = 16;

export function createCapabilityCache(env: NodeJS.ProcessEnv = process.env): CapabilityCache {
  const entries = new Map<string, Buffer>();
  const home = env.HOME ?? '';
  const globalFiles = [path.join(home, '.gitconfig'), path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'git', 'config')];
  const gitBinary = findOnPath('git', env.PATH ?? '');

  /** What identifies a file's version cheaply: inode, size and modification time (ns). */
  const identity = (file: string): string | null => {
    const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
    return stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : 'none';
  };
  /** Global files already seen to be cacheable, by identity. */
  const checkedGlobals = new Map<string, boolean>();
  const globalsCacheable = (key: string): boolean => {
    let ok = checkedGlobals.get(key);
    if (ok === undefined) {
      ok = globalFiles.every((file) => !UNCACHEABLE.test(readIfExists(file) ?? ''));
      checkedGlobals.clear();
      checkedGlobals.set(key, ok);
    }
    return ok;
  };

  return {
    lookup(repoDir, protocol) {
      if (!gitBinary) return { bytes: null, key: null };
      const config = readIfExists(path.join(repoDir, 'config'));
      if (config === null || UNCACHEABLE.test(config)) return { bytes: null, key: null };
      const globals = globalFiles.map(identity).join('|');
      if (!globalsCacheable(globals)) return { bytes: null, key: null };
      const key = JSON.stringify([identity(gitBinary), globals, protocol ?? '', config]);
      const bytes = entries.get(key);
      return bytes ? { bytes } : { bytes: null, key };
    },
    remember(key, bytes) {
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(key, bytes);
    },
  };
}

function readIfExists(file: string): string | null {
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
