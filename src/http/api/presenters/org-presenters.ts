import type { User } from '../../../domain/accounts/user-store.js';
import { toApiTime } from '../../../lib/time.js';
import { encodeNodeId } from './node-id.js';
import type { UrlBase } from './urls.js';
import { avatarUrl, presentSimpleUser } from './user-presenters.js';

export function presentOrgSimple(base: UrlBase, org: User) {
  const url = `${base.api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: encodeNodeId('Organization', org.id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: avatarUrl(base, org),
    description: null,
  };
}

export function presentOrgFull(base: UrlBase, org: User, counts: { publicRepos: number }) {
  return {
    ...presentOrgSimple(base, org),
    // Optional and not nullable in GitHub's schema: absent rather than null when unset.
    ...(org.name ? { name: org.name } : {}),
    ...(org.email ? { email: org.email } : {}),
    is_verified: false,
    has_organization_projects: false,
    has_repository_projects: false,
    public_repos: counts.publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${base.web}/${org.login}`,
    type: 'Organization',
    created_at: toApiTime(org.createdAt),
    updated_at: toApiTime(org.updatedAt),
    archived_at: null,
  };
}

/** GitHub's role names: Gitgate's owner is GitHub's admin. */
export const githubOrgRole = (role: 'owner' | 'member') => (role === 'owner' ? 'admin' : 'member');

export function presentOrgMembership(base: UrlBase, org: User, user: User, role: 'owner' | 'member') {
  return {
    url: `${base.api}/orgs/${org.login}/memberships/${user.login}`,
    state: 'active',
    role: githubOrgRole(role),
    organization_url: `${base.api}/orgs/${org.login}`,
    organization: presentOrgSimple(base, org),
    user: presentSimpleUser(base, user),
  };
}
