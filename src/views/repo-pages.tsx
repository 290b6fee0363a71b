import './custom-elements.js';
import type { Repo } from '../domain/repos/repo-store.js';
import type { TreeEntry } from '../git/repo-reader.js';
import { Avatar, CsrfField, Flash, PageHeading, type Problems, TextField } from './components.js';
import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

export function NewRepoPage(props: {
  ctx: PageContext;
  owners: string[];
  values: { owner: string; name: string; description: string; visibility: 'public' | 'private' };
  problems: Problems;
}) {
  const { ctx, owners, values } = props;
  const p = props.problems;
  return (
    <Layout ctx={ctx} title="New repository">
      <div class="col-md-8 mx-auto">
        <PageHeading title="Create a new repository" />
        {p.form ? <Flash kind="error">{p.form}</Flash> : null}
        <form action="/new" method="post">
          <CsrfField csrf={ctx.csrf} />
          <div class="form-group">
            <div class="form-group-header">
              <label for="repo-owner">Owner</label>
            </div>
            <select class="form-select" id="repo-owner" name="owner">
              {owners.map((o) => (
                <option value={o} selected={o === values.owner}>
                  {o}
                </option>
              ))}
            </select>
          </div>
          <TextField name="name" label="Repository name" value={values.name} required error={p.name} />
          <TextField name="description" label="Description (optional)" value={values.description} error={p.description} />
          <fieldset class="form-group">
            <legend class="sr-only">Visibility</legend>
            <div class="form-checkbox">
              <label>
                <input type="radio" name="visibility" value="public" checked={values.visibility === 'public'} /> Public
              </label>
              <p class="note">Anyone can see this repository. You choose who can commit.</p>
            </div>
            <div class="form-checkbox">
              <label>
                <input type="radio" name="visibility" value="private" checked={values.visibility === 'private'} /> Private
              </label>
              <p class="note">You choose who can see and commit to this repository.</p>
            </div>
          </fieldset>
          <button type="submit" class="btn btn-primary">
            Create repository
          </button>
        </form>
      </div>
    </Layout>
  );
}

export function VisibilityBadge({ repo }: { repo: Repo }) {
  return <span class="Label Label--secondary v-align-middle ml-1">{repo.private ? 'Private' : 'Public'}</span>;
}

function RepoHeader({ repo, canAdmin, tab }: { repo: Repo; canAdmin: boolean; tab: 'code' | 'settings' }) {
  return (
    <div class="mb-3">
      <h1 class="h3">
        <a href={`/${repo.owner}`}>{repo.owner}</a> / <a href={`/${repo.owner}/${repo.name}`}>{repo.name}</a>
        <VisibilityBadge repo={repo} />
      </h1>
      {repo.description ? <p class="color-fg-muted mt-1" data-repo-description>{repo.description}</p> : null}
      <nav class="UnderlineNav mt-2" aria-label="Repository">
        <div class="UnderlineNav-body">
          <a class="UnderlineNav-item" href={`/${repo.owner}/${repo.name}`} aria-current={tab === 'code' ? 'page' : undefined}>
            Code
          </a>
          {canAdmin ? (
            <a class="UnderlineNav-item" href={`/${repo.owner}/${repo.name}/settings`} aria-current={tab === 'settings' ? 'page' : undefined}>
              Settings
            </a>
          ) : null}
        </div>
      </nav>
    </div>
  );
}

function CloneUrl({ url }: { url: string }) {
  return (
    <div class="d-flex flex-items-center mb-3">
      <label for="clone-url" class="mr-2 text-bold">
        HTTPS
      </label>
      <input id="clone-url" class="form-control input-monospace flex-auto" type="text" readonly value={url} />
      <clipboard-copy for="clone-url" aria-label="Copy clone URL" class="btn ml-2" role="button" tabindex={0} data-copy-feedback="Copied!">
        Copy
      </clipboard-copy>
    </div>
  );
}

function Breadcrumb({ repo, ref, path }: { repo: Repo; ref: string; path: string }) {
  const parts = path.split('/').filter(Boolean);
  return (
    <nav aria-label="Path" class="mb-2 text-bold">
      <a href={`/${repo.owner}/${repo.name}/tree/${ref}`}>{repo.name}</a>
      {parts.map((part, i) => (
        <>
          {' / '}
          {i === parts.length - 1 ? <span>{part}</span> : <a href={`/${repo.owner}/${repo.name}/tree/${ref}/${parts.slice(0, i + 1).join('/')}`}>{part}</a>}
        </>
      ))}
    </nav>
  );
}

export function FileList({ repo, ref, path, entries }: { repo: Repo; ref: string; path: string; entries: TreeEntry[] }) {
  const base = path === '' ? '' : `${path}/`;
  return (
    <div class="Box mb-3">
      <div class="Box-header">
        <span class="text-bold">Files</span> <span class="color-fg-muted">on {ref}</span>
      </div>
      <ul class="list-style-none" aria-label="Files">
        {entries.map((e) => (
          <li class="Box-row py-2">
            <span class="color-fg-muted mr-2" aria-hidden="true">
              {e.type === 'tree' ? '📁' : '📄'}
            </span>
            {e.type === 'commit' ? (
              <span>{e.name}</span>
            ) : (
              <a href={`/${repo.owner}/${repo.name}/${e.type === 'tree' ? 'tree' : 'blob'}/${ref}/${base}${e.name}`}>{e.name}</a>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function EmptyRepo({ repo, cloneUrl }: { repo: Repo; cloneUrl: string }) {
  return (
    <div class="Box p-3" data-empty-repo>
      <h2 class="h4 mb-2">…or push an existing repository from the command line</h2>
      <pre class="color-bg-subtle p-2">
        <code>{`git remote add origin ${cloneUrl}\ngit branch -M ${repo.defaultBranch}\ngit push -u origin ${repo.defaultBranch}`}</code>
      </pre>
      <h2 class="h4 mt-3 mb-2">…or create a new repository on the command line</h2>
      <pre class="color-bg-subtle p-2">
        <code>{`echo "# ${repo.name}" >> README.md\ngit init\ngit add README.md\ngit commit -m "first commit"\ngit branch -M ${repo.defaultBranch}\ngit remote add origin ${cloneUrl}\ngit push -u origin ${repo.defaultBranch}`}</code>
      </pre>
      <p class="note">When Git asks for a password, use a personal access token with the repo scope.</p>
    </div>
  );
}

export function RepoPage(props: {
  ctx: PageContext;
  repo: Repo;
  canAdmin: boolean;
  cloneUrl: string;
  tree: { ref: string; path: string; entries: TreeEntry[] } | null;
  readmeHtml: string | null;
}) {
  const { ctx, repo, tree } = props;
  return (
    <Layout ctx={ctx} title={repo.fullName}>
      <RepoHeader repo={repo} canAdmin={props.canAdmin} tab="code" />
      <CloneUrl url={props.cloneUrl} />
      {tree ? (
        <>
          {tree.path !== '' ? <Breadcrumb repo={repo} ref={tree.ref} path={tree.path} /> : null}
          <FileList repo={repo} ref={tree.ref} path={tree.path} entries={tree.entries} />
        </>
      ) : (
        <EmptyRepo repo={repo} cloneUrl={props.cloneUrl} />
      )}
      {props.readmeHtml !== null ? (
        <div class="Box">
          <div class="Box-header text-bold">README</div>
          {/* Rendered by marked and then sanitised by sanitize-html on the server. */}
          <article class="Box-body markdown-body" dangerouslySetInnerHTML={{ __html: props.readmeHtml }} />
        </div>
      ) : null}
    </Layout>
  );
}

export function BlobPage(props: { ctx: PageContext; repo: Repo; canAdmin: boolean; ref: string; path: string; text: string | null; size: number }) {
  const { ctx, repo, ref, path } = props;
  return (
    <Layout ctx={ctx} title={`${repo.fullName}/${path}`}>
      <RepoHeader repo={repo} canAdmin={props.canAdmin} tab="code" />
      <Breadcrumb repo={repo} ref={ref} path={path} />
      <div class="Box">
        <div class="Box-header d-flex flex-items-center">
          <span class="flex-auto color-fg-muted">{props.size} bytes</span>
          <a class="btn btn-sm" href={`/${repo.owner}/${repo.name}/raw/${ref}/${path}`}>
            Raw
          </a>
        </div>
        {props.text === null ? (
          <div class="Box-body">Binary file not shown.</div>
        ) : (
          <pre class="Box-body overflow-auto blob-text">
            <code>{props.text}</code>
          </pre>
        )}
      </div>
    </Layout>
  );
}

export function RepoSettingsPage(props: {
  ctx: PageContext;
  repo: Repo;
  collaborators: { login: string; permission: string }[];
  problems: Problems;
  values: { description: string; deleteConfirm?: string };
}) {
  const { ctx, repo } = props;
  const p = props.problems;
  const base = `/${repo.owner}/${repo.name}/settings`;
  return (
    <Layout ctx={ctx} title={`Settings · ${repo.fullName}`}>
      <RepoHeader repo={repo} canAdmin tab="settings" />
      <div class="col-md-9">
        <div class="Subhead">
          <h2 class="Subhead-heading">General</h2>
        </div>
        <form action={base} method="post">
          <CsrfField csrf={ctx.csrf} />
          <TextField name="description" label="Description" value={props.values.description} error={p.description} />
          <fieldset class="form-group">
            <legend class="text-bold">Visibility</legend>
            <div class="form-checkbox">
              <label>
                <input type="radio" name="visibility" value="public" checked={!repo.private} /> Public
              </label>
            </div>
            <div class="form-checkbox">
              <label>
                <input type="radio" name="visibility" value="private" checked={repo.private} /> Private
              </label>
            </div>
          </fieldset>
          <button type="submit" class="btn">
            Save changes
          </button>
        </form>

        <div class="Subhead mt-5">
          <h2 class="Subhead-heading">Collaborators</h2>
        </div>
        {props.collaborators.length === 0 ? <p class="mb-2">No collaborators yet.</p> : null}
        <ul class="Box list-style-none mb-3" aria-label="Collaborators">
          {props.collaborators.map((c) => (
            <li class="Box-row d-flex flex-items-center">
              <Avatar login={c.login} />
              <a class="ml-2 flex-auto" href={`/${c.login}`}>
                {c.login}
              </a>
              <span class="Label mr-2">{c.permission}</span>
              <form action={`${base}/collaborators/remove`} method="post">
                <CsrfField csrf={ctx.csrf} />
                <input type="hidden" name="username" value={c.login} />
                <button type="submit" class="btn btn-sm btn-danger" aria-label={`Remove ${c.login}`}>
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
        <form action={`${base}/collaborators`} method="post" class="d-flex flex-items-end">
          <CsrfField csrf={ctx.csrf} />
          <div class="mr-2">
            <TextField name="username" label="Username" error={p.username} required />
          </div>
          <div class="form-group mr-2">
            <label for="collab-permission">Permission</label>
            <select class="form-select d-block" id="collab-permission" name="permission">
              <option value="read">Read</option>
              <option value="write" selected>
                Write
              </option>
              <option value="admin">Admin</option>
            </select>
          </div>
          <div class="form-group">
            <button type="submit" class="btn">
              Add collaborator
            </button>
          </div>
        </form>

        <div class="Subhead mt-5">
          <h2 class="Subhead-heading color-fg-danger">Danger Zone</h2>
        </div>
        <form action={`${base}/delete`} method="post" class="Box color-border-danger p-3">
          <CsrfField csrf={ctx.csrf} />
          <p>
            Once you delete a repository, there is no going back. To confirm, type <strong>{repo.fullName}</strong> below.
          </p>
          <TextField name="confirm" label="Repository name to confirm" value={props.values.deleteConfirm} error={p.confirm} />
          <button type="submit" class="btn btn-danger">
            Delete this repository
          </button>
        </form>
      </div>
    </Layout>
  );
}

export function RepoList({ repos, empty }: { repos: Repo[]; empty: string }) {
  if (repos.length === 0) return <p class="color-fg-muted">{empty}</p>;
  return (
    <ul class="list-style-none" aria-label="Repositories">
      {repos.map((r) => (
        <li class="py-2 border-bottom">
          <a class="text-bold" href={`/${r.owner}/${r.name}`}>
            {r.fullName}
          </a>
          <VisibilityBadge repo={r} />
          {r.description ? <p class="color-fg-muted f6 mb-0">{r.description}</p> : null}
        </li>
      ))}
    </ul>
  );
}
