import type { GitSetting } from './git-setting.js';

/**
 * Protocol v2's answer to `GET info/refs?service=git-upload-pack` lists the server's capabilities,
 * not its refs (those come with `ls-refs`): the same bytes for every repository that reads the same
 * configuration with the same git. Spawning git for it is one of the three git processes of every
 * fetch, so its bytes are kept, keyed on everything they depend on: the git binary, the
 * configuration git reads (src/git/git-setting.ts, which also says what is never cached) and the
 * `Git-Protocol` value git receives.
 */
export interface CapabilityCache {
  /** git's bytes, or the key under which to remember them once git has answered (null: never cache). */
  lookup(repoDir: string, protocol: string | undefined): { bytes: Buffer } | { bytes: null; key: string | null };
  remember(key: string, bytes: Buffer): void;
}

const MAX_ENTRIES = 16;

export function createCapabilityCache(setting: GitSetting): CapabilityCache {
  const entries = new Map<string, Buffer>();
  return {
    lookup(repoDir, protocol) {
      const configured = setting(repoDir);
      if (configured === null) return { bytes: null, key: null };
      const key = JSON.stringify([configured, protocol ?? '']);
      const bytes = entries.get(key);
      return bytes ? { bytes } : { bytes: null, key };
    },
    remember(key, bytes) {
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(key, bytes);
    },
  };
}

/** The features git lists for `fetch` in a capability advertisement (`fetch=shallow filter ...`). */
export function fetchFeatures(advertisement: Buffer): Set<string> {
  const text = advertisement.toString('latin1');
  const match = /(?:^|\n)[0-9a-f]{4}fetch=([^\n]*)\n/.exec(text);
  return new Set(match ? match[1]!.split(' ') : []);
}
