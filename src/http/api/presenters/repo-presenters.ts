import type { RepoPermission } from '../../../domain/auth/policy.js';
import type { Repo } from '../../../domain/repos/repo-store.js';
import { toApiTime } from '../../../lib/time.js';
import { encodeNodeId } from './node-id.js';
import type { UrlBase } from './urls.js';
import { type AccountRef, presentSimpleUser } from './user-presenters.js';

/** GitHub's five-level permission object from Gitgate's four levels (maintain = admin, triage = push). */
export function permissionsObject(permission: RepoPermission) {
  const rank = { none: 0, read: 1, write: 2, admin: 3 }[permission];
  return { admin: rank >= 3, maintain: rank >= 3, push: rank >= 2, triage: rank >= 2, pull: rank >= 1 };
}

/** GitHub's names for a permission level, as the collaborator permission endpoint answers it. */
export function githubPermissionName(permission: RepoPermission): { permission: string; role_name: string } {
  switch (permission) {
    case 'admin':
      return { permission: 'admin', role_name: 'admin' };
    case 'write':
      return { permission: 'write', role_name: 'write' };
    case 'read':
      return { permission: 'read', role_name: 'read' };
    default:
      return { permission: 'none', role_name: 'none' };
  }
}

/**
 * GitHub's Repository / Full Repository. Features Gitgate lacks get GitHub's neutral values (no
 * issues, no forks, no stars); `pushed_at` falls back to `created_at`, as on GitHub before a push.
 */
export function presentRepo(base: UrlBase, repo: Repo, options: { owner: AccountRef; permission?: RepoPermission; full?: boolean }) {
  const url = `${base.api}/repos/${repo.owner}/${repo.name}`;
  const html = `${base.web}/${repo.owner}/${repo.name}`;
  const host = new URL(base.web).host;
  const owner = presentSimpleUser(base, options.owner);
  const out: Record<string, unknown> = {
    id: repo.id,
    node_id: encodeNodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner,
    html_url: html,
    description: repo.description,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${repo.fullName}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${new URL(base.web).hostname}:${repo.fullName}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: false,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: toApiTime(repo.pushedAt ?? repo.createdAt),
    created_at: toApiTime(repo.createdAt),
    updated_at: toApiTime(repo.updatedAt),
    allow_forking: false,
    web_commit_signoff_required: false,
    license: null,
    forks: 0,
    open_issues: 0,
    watchers: 0,
  };
  if (options.permission !== undefined) out.permissions = permissionsObject(options.permission);
  if (options.full) {
    out.network_count = 0;
    out.subscribers_count = 0;
    if (options.owner.type === 'Organization') out.organization = owner;
  }
  return out;
}
