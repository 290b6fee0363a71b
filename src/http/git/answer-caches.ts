import { createCapabilityCache } from '../../git/capability-advertisement.js';
import { gitEnv } from '../../git/git-command.js';
import { createGitSetting } from '../../git/git-setting.js';
import { createLsRefsCache } from '../../git/ls-refs-cache.js';

/** The configuration git answers under (src/git/git-setting.ts), read once for every cache below. */
export const gitSetting = createGitSetting(gitEnv());

// One of each for the process: their keys carry each repository's configuration (and, for
// ls-refs, its path and refs), so every app in the process can share them.
export const capabilityCache = createCapabilityCache(gitSetting);
export const lsRefsCache = createLsRefsCache(gitSetting);
