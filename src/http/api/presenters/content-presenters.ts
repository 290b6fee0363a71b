import type { BranchInfo, CommitInfo, TreeEntry } from '../../../git/repo-reader.js';
import type { Repo } from '../../../domain/repos/repo-store.js';
import { toApiTime } from '../../../lib/time.js';
import { encodeNodeId } from './node-id.js';
import { pathSegs, seg, type UrlBase } from './urls.js';

const repoUrls = (base: UrlBase, repo: Repo) => ({
  api: `${base.api}/repos/${repo.owner}/${repo.name}`,
  web: `${base.web}/${repo.owner}/${repo.name}`,
});

/** GitHub's Commit: authors are plain git identities here (no account linking), so `author` is null. */
export function presentCommit(base: UrlBase, repo: Repo, commit: CommitInfo) {
  const urls = repoUrls(base, repo);
  return {
    url: `${urls.api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: encodeNodeId('Commit', `${repo.id}:${commit.sha}`),
    html_url: `${urls.web}/commit/${commit.sha}`,
    comments_url: `${urls.api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${urls.api}/git/commits/${commit.sha}`,
      author: { name: commit.author.name, email: commit.author.email, date: toApiTime(new Date(commit.author.date)) },
      committer: { name: commit.committer.name, email: commit.committer.email, date: toApiTime(new Date(commit.committer.date)) },
      message: commit.message,
      comment_count: 0,
      tree: { sha: commit.tree, url: `${urls.api}/git/trees/${commit.tree}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: null,
    committer: null,
    parents: commit.parents.map((sha) => ({ sha, url: `${urls.api}/commits/${sha}`, html_url: `${urls.web}/commit/${sha}` })),
  };
}

export function presentShortBranch(base: UrlBase, repo: Repo, branch: BranchInfo) {
  const urls = repoUrls(base, repo);
  return {
    name: branch.name,
    commit: { sha: branch.sha, url: `${urls.api}/commits/${branch.sha}` },
    protected: false,
    protection_url: `${urls.api}/branches/${seg(branch.name)}/protection`,
  };
}

export function presentBranch(base: UrlBase, repo: Repo, branch: BranchInfo, commit: CommitInfo) {
  const urls = repoUrls(base, repo);
  return {
    name: branch.name,
    commit: presentCommit(base, repo, commit),
    _links: { self: `${urls.api}/branches/${seg(branch.name)}`, html: `${urls.web}/tree/${seg(branch.name)}` },
    protected: false,
    protection: { enabled: false, required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] } },
    protection_url: `${urls.api}/branches/${seg(branch.name)}/protection`,
  };
}

const GITHUB_TYPE = { blob: 'file', tree: 'dir', commit: 'submodule' } as const;

/** One item of a directory listing, or the head of a file answer. */
export function presentContentEntry(base: UrlBase, repo: Repo, entry: TreeEntry, ref: string) {
  const urls = repoUrls(base, repo);
  const type = entry.mode === '120000' ? 'symlink' : GITHUB_TYPE[entry.type];
  const self = `${urls.api}/contents/${pathSegs(entry.path)}?ref=${seg(ref)}`;
  const gitUrl = type === 'dir' ? `${urls.api}/git/trees/${entry.sha}` : `${urls.api}/git/blobs/${entry.sha}`;
  const htmlUrl = `${urls.web}/${type === 'dir' ? 'tree' : 'blob'}/${seg(ref)}/${pathSegs(entry.path)}`;
  return {
    type,
    size: entry.size ?? 0,
    name: entry.name,
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: type === 'file' ? `${urls.web}/raw/${seg(ref)}/${pathSegs(entry.path)}` : null,
    _links: { self, git: gitUrl, html: htmlUrl },
  };
}

/** A file with its bytes, base64 in lines of 60 as GitHub sends them. */
export function presentContentFile(base: UrlBase, repo: Repo, entry: TreeEntry, ref: string, bytes: Buffer) {
  const lines = bytes.toString('base64').match(/.{1,60}/g) ?? [];
  return { ...presentContentEntry(base, repo, entry, ref), type: 'file', content: lines.map((l) => `${l}\n`).join(''), encoding: 'base64' };
}
