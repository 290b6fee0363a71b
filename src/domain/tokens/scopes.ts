import { invalid } from '../../lib/errors.js';

/**
 * The scope catalog: the single source of truth for every scope's name, description, parent and what
 * it guards. Parents imply their children; stored scopes are normalised (implied children dropped).
 */
export interface ScopeDefinition {
  name: string;
  description: string;
  parent: string | null;
  guards: string;
}

export const SCOPES: readonly ScopeDefinition[] = [
  {
    name: 'repo',
    description: 'Full control of private repositories',
    parent: null,
    guards: 'read and write code, settings and collaborators of private and public repositories',
  },
  {
    name: 'public_repo',
    description: 'Access public repositories',
    parent: 'repo',
    guards: 'push to, and change settings and collaborators of, public repositories',
  },
  { name: 'repo:invite', description: 'Access repository invitations', parent: 'repo', guards: 'repository invitations' },
  { name: 'delete_repo', description: 'Delete repositories', parent: null, guards: 'deleting repositories the user administers' },
  {
    name: 'admin:org',
    description: 'Full control of orgs and teams, read and write org projects',
    parent: null,
    guards: 'managing organizations and their members',
  },
  { name: 'write:org', description: 'Read and write org and team membership, read and write org projects', parent: 'admin:org', guards: 'organization membership changes' },
  { name: 'read:org', description: 'Read org and team membership, read org projects', parent: 'write:org', guards: 'reading organization membership' },
  { name: 'user', description: 'Update ALL user data', parent: null, guards: 'updating the profile' },
  { name: 'read:user', description: 'Read ALL user profile data', parent: 'user', guards: 'reading private profile data' },
  { name: 'user:email', description: 'Access user email addresses (read-only)', parent: 'user', guards: 'reading email addresses' },
  { name: 'user:follow', description: 'Follow and unfollow users', parent: 'user', guards: 'following users' },
  {
    name: 'site_admin',
    description: 'Full control of the site administration API',
    parent: null,
    guards: 'the site administration API (site administrators only)',
  },
];

const BY_NAME = new Map(SCOPES.map((s) => [s.name, s]));

export function isKnownScope(name: string): boolean {
  return BY_NAME.has(name);
}

/** Every ancestor of a scope, nearest first. */
function ancestorsOf(name: string): string[] {
  const out: string[] = [];
  let parent = BY_NAME.get(name)?.parent ?? null;
  while (parent) {
    out.push(parent);
    parent = BY_NAME.get(parent)?.parent ?? null;
  }
  return out;
}

/** Catalog order, duplicates and implied children dropped. Unknown names are an `invalid` error. */
export function normalizeScopes(names: readonly string[]): string[] {
  const wanted = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    if (!isKnownScope(name)) throw invalid('unknown_scope', 'scopes', `Unknown scope: ${name}`);
    wanted.add(name);
  }
  return SCOPES.map((s) => s.name).filter((name) => wanted.has(name) && !ancestorsOf(name).some((a) => wanted.has(a)));
}

/** The stored scopes plus everything they imply: what a token may actually do. */
export function expandScopes(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    out.add(name);
    for (const scope of SCOPES) if (ancestorsOf(scope.name).includes(name)) out.add(scope.name);
  }
  return out;
}

export function parseStoredScopes(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

export function formatScopesHeader(names: readonly string[]): string {
  return names.join(', ');
}

export function childrenOf(name: string): ScopeDefinition[] {
  return SCOPES.filter((s) => s.parent === name);
}
