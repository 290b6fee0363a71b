import type { User } from '../domain/accounts/user-store.js';
import type { TokenInfo } from '../domain/tokens/token-store.js';
import { CsrfField, Flash, type Problems, TextField } from './components.js';
import { expiryText, recencyText } from './format.js';
import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

function AdminNav({ current }: { current: string }) {
  return (
    <nav class="UnderlineNav mb-3" aria-label="Site admin">
      <div class="UnderlineNav-body">
        <a class="UnderlineNav-item" href="/admin" aria-current={current === 'users' ? 'page' : undefined}>
          Users
        </a>
        <a class="UnderlineNav-item" href="/admin/tokens" aria-current={current === 'tokens' ? 'page' : undefined}>
          Tokens
        </a>
      </div>
    </nav>
  );
}

function UserAction({ ctx, login, action, label }: { ctx: PageContext; login: string; action: string; label: string }) {
  return (
    <form action={`/admin/users/${login}/${action}`} method="post" class="d-inline">
      <CsrfField csrf={ctx.csrf} />
      <button type="submit" class={`btn btn-sm${action === 'suspend' ? ' btn-danger' : ''}`} aria-label={`${label} ${login}`}>
        {label}
      </button>
    </form>
  );
}

export function AdminUsersPage(props: { ctx: PageContext; users: User[]; values: { login: string; email: string }; problems: Problems; notice?: string | null }) {
  const { ctx } = props;
  const p = props.problems;
  return (
    <Layout ctx={ctx} title="Site admin">
      <h1 class="h2 mb-2">Site admin</h1>
      <AdminNav current="users" />
      {props.notice ? <Flash kind="success">{props.notice}</Flash> : null}
      <table class="width-full mb-4 admin-table">
        <thead>
          <tr>
            <th>Username</th>
            <th>Email</th>
            <th>Role</th>
            <th>Status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr data-user={u.login}>
              <td>
                <a href={`/${u.login}`}>{u.login}</a>
              </td>
              <td>{u.email ?? ''}</td>
              <td>{u.siteAdmin ? 'Site admin' : 'User'}</td>
              <td>{u.suspendedAt ? 'Suspended' : 'Active'}</td>
              <td>
                {u.id === ctx.viewer?.id ? null : (
                  <>
                    {u.siteAdmin ? <UserAction ctx={ctx} login={u.login} action="demote" label="Demote" /> : <UserAction ctx={ctx} login={u.login} action="promote" label="Promote" />}{' '}
                    {u.suspendedAt ? <UserAction ctx={ctx} login={u.login} action="unsuspend" label="Unsuspend" /> : <UserAction ctx={ctx} login={u.login} action="suspend" label="Suspend" />}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="Box p-3 col-md-6">
        <h2 class="h4 mb-2">Create a user</h2>
        {p.form ? <Flash kind="error">{p.form}</Flash> : null}
        <form action="/admin/users" method="post">
          <CsrfField csrf={ctx.csrf} />
          <TextField name="login" label="Username" value={props.values.login} required error={p.login} />
          <TextField name="email" label="Email address" type="email" value={props.values.email} required error={p.email} />
          <TextField name="password" label="Password" type="password" autocomplete="new-password" required error={p.password} />
          <button type="submit" class="btn btn-primary">
            Create user
          </button>
        </form>
      </div>
    </Layout>
  );
}

export function AdminTokensPage({ ctx, tokens }: { ctx: PageContext; tokens: (TokenInfo & { login: string })[] }) {
  return (
    <Layout ctx={ctx} title="Site admin · Tokens">
      <h1 class="h2 mb-2">Site admin</h1>
      <AdminNav current="tokens" />
      <table class="width-full admin-table">
        <thead>
          <tr>
            <th>Owner</th>
            <th>Note</th>
            <th>Scopes</th>
            <th>Expiry</th>
            <th>Last used</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr data-token-id={t.id}>
              <td>{t.login}</td>
              <td>{t.note}</td>
              <td>{t.scopes.join(', ') || 'no scopes'}</td>
              <td>{expiryText(t.expiresAt, ctx.now)}</td>
              <td>{recencyText(t.lastUsedAt, ctx.now)}</td>
              <td>
                <form action={`/admin/tokens/${t.id}/revoke`} method="post">
                  <CsrfField csrf={ctx.csrf} />
                  <button type="submit" class="btn btn-sm btn-danger" aria-label={`Revoke ${t.note}`}>
                    Revoke
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
