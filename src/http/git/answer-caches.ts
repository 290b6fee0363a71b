import { createCapabilityCache } from '../../git/capability-advertisement.js';
import { gitEnv } from '../../git/git-command.js';
import { createLsRefsCache } from '../../git/ls-refs-cache.js';

// One of each for the process: their keys carry each repository's configuration (and, for
// ls-refs, its path and refs), so every app in the process can share them.
export const capabilityCache = createCapabilityCache(gitEnv());
export const lsRefsCache = createLsRefsCache(gitEnv());
