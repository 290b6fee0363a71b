import fs from 'node:fs';
import path from 'node:path';
import { messageOf } from '../lib/errors.js';
import { runGit } from './git-command.js';

/** Tries before giving up on a repository whose refs keep moving while it is bundled. */
const BUNDLE_ATTEMPTS = 5;

/**
 * Writes a bundle of every ref of `repoDir` into `file` (its folder made as needed); answers how
 * many refs it holds besides HEAD (0: the repository has none, and nothing is written).
 *
 * git reads the refs twice: once to choose what to pack, once to write the bundle's list of refs,
 * and it silently leaves out a ref that moved in between (a push that landed meanwhile), or refuses
 * an "empty bundle" when that was the only branch. So the bundle is checked: every ref there
 * before it was written, and still there after, must be in it; if not, it is written again.
 */
export async function bundleAllRefs(repoDir: string, file: string): Promise<number> {
  let problem = '';
  for (let attempt = 1; attempt <= BUNDLE_ATTEMPTS; attempt++) {
    const before = await refNames(repoDir);
    if (before.length === 0) return 0;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      await runGit(['bundle', 'create', '--quiet', file, '--all'], { cwd: repoDir });
    } catch (error) {
      problem = gitReason(error);
      continue;
    }
    const inBundle = new Set(await bundledRefNames(repoDir, file));
    const now = new Set(await refNames(repoDir));
    const left = before.filter((ref) => now.has(ref) && !inBundle.has(ref));
    if (left.length === 0) return [...inBundle].filter((ref) => ref !== 'HEAD').length;
    problem = `it left out ${left.join(', ')}, which moved while it was written`;
  }
  fs.rmSync(file, { force: true });
  throw new Error(`git could not bundle ${repoDir} in ${BUNDLE_ATTEMPTS} tries (pushes kept landing): ${problem}`);
}

async function refNames(repoDir: string): Promise<string[]> {
  return (await runGit(['for-each-ref', '--format=%(refname)'], { cwd: repoDir })).toString('utf8').split('\n').filter(Boolean);
}

/** The refs a bundle holds ("<oid> <refname>" lines), HEAD included. */
async function bundledRefNames(repoDir: string, file: string): Promise<string[]> {
  const heads = (await runGit(['bundle', 'list-heads', file], { cwd: repoDir })).toString('utf8');
  return heads
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf(' ') + 1));
}

/** git's own words for a failure: runGit's message ends with git's stderr. */
function gitReason(error: unknown): string {
  const lines = messageOf(error).trim().split('\n');
  return lines[lines.length - 1]!;
}
