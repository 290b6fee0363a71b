/** The repository a Git URL names: `/OWNER/NAME.git/...` or `/OWNER/NAME/...`. */
export interface GitTarget {
  owner: string;
  name: string;
}

/**
 * find-my-way captures `NAME.git` whole in the `:repo` parameter; the suffix is Git's convention,
 * not part of the name (repository names may not end in `.git`, so stripping it is unambiguous).
 */
export function gitTargetOf(params: unknown): GitTarget {
  const { owner, repo } = params as { owner: string; repo: string };
  const name = repo.toLowerCase().endsWith('.git') ? repo.slice(0, -4) : repo;
  return { owner, name };
}
