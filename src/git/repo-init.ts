import { runGit } from './git-command.js';

/** Runs git with `input` on stdin and returns its trimmed stdout (for hash-object and mktree). */
async function gitWithInput(dir: string, args: string[], input: string | Buffer, env: Record<string, string> = {}): Promise<string> {
  return (await runGit(args, { cwd: dir, env, input })).toString('utf8').trim();
}

export interface InitialCommit {
  branch: string;
  files: { path: string; content: string }[];
  message: string;
  author: { name: string; email: string };
  date: Date;
}

/**
 * Creates the first commit of an empty bare repository without a work tree: blobs with
 * hash-object, one flat tree with mktree, the commit with commit-tree, then the branch with
 * update-ref (which refuses if the branch appeared meanwhile: the expected old value is "none").
 */
export async function createInitialCommit(dir: string, init: InitialCommit): Promise<string> {
  const lines: string[] = [];
  for (const file of init.files) {
    const sha = await gitWithInput(dir, ['hash-object', '-w', '--stdin'], file.content);
    lines.push(`100644 blob ${sha}\t${file.path}`);
  }
  const tree = await gitWithInput(dir, ['mktree'], `${lines.join('\n')}\n`);
  const when = `${Math.floor(init.date.getTime() / 1000)} +0000`;
  const commit = await gitWithInput(dir, ['commit-tree', tree], `${init.message}\n`, {
    GIT_AUTHOR_NAME: init.author.name,
    GIT_AUTHOR_EMAIL: init.author.email,
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_NAME: init.author.name,
    GIT_COMMITTER_EMAIL: init.author.email,
    GIT_COMMITTER_DATE: when,
  });
  await runGit(['update-ref', `refs/heads/${init.branch}`, commit, '0'.repeat(40)], { cwd: dir });
  return commit;
}
