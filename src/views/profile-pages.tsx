import type { OrgMember } from '../domain/orgs/org-service.js';
import type { User } from '../domain/accounts/user-store.js';
import type { Repo } from '../domain/repos/repo-store.js';
import { Avatar, CsrfField, Flash, PageHeading, type Problems, TextField } from './components.js';
import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';
import { RepoList } from './repo-pages.js';

export function LandingPage({ ctx, openSignup }: { ctx: PageContext; openSignup: boolean }) {
  return (
    <Layout ctx={ctx} title="Welcome">
      <div class="blankslate blankslate-large">
        <h1 class="blankslate-heading">Gitgate</h1>
        <p>A self-hosted Git server with personal access tokens.</p>
        <div class="blankslate-action">
          <a class="btn btn-primary" href="/login">
            Sign in
          </a>{' '}
          {openSignup ? (
            <a class="btn" href="/signup">
              Sign up
            </a>
          ) : null}
        </div>
      </div>
    </Layout>
  );
}

export function DashboardPage({ ctx, repos, orgs }: { ctx: PageContext; repos: Repo[]; orgs: { org: User; role: string }[] }) {
  return (
    <Layout ctx={ctx} title="Dashboard">
      <div class="d-md-flex gutter-md">
        <div class="col-md-8">
          <div class="d-flex flex-items-center mb-2">
            <h2 class="h4 flex-auto">Your repositories</h2>
            <a class="btn btn-sm btn-primary" href="/new">
              New repository
            </a>
          </div>
          <RepoList repos={repos} empty="You have no repositories yet." />
        </div>
        <div class="col-md-4">
          <div class="d-flex flex-items-center mb-2">
            <h2 class="h4 flex-auto">Your organizations</h2>
            <a class="btn btn-sm" href="/organizations/new">
              New organization
            </a>
          </div>
          {orgs.length === 0 ? (
            <p class="color-fg-muted">You are not a member of any organization.</p>
          ) : (
            <ul class="list-style-none" aria-label="Organizations">
              {orgs.map((o) => (
                <li class="py-1">
                  <Avatar login={o.org.login} /> <a href={`/${o.org.login}`}>{o.org.login}</a>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Layout>
  );
}

export function UserProfilePage({ ctx, user, repos }: { ctx: PageContext; user: User; repos: Repo[] }) {
  return (
    <Layout ctx={ctx} title={user.login}>
      <div class="d-md-flex gutter-md">
        <div class="col-md-3 mb-3">
          <Avatar login={user.login} size={200} />
          <h1 class="vcard-names mt-2">
            {user.name ? <span class="d-block h2">{user.name}</span> : null}
            <span class="d-block f3 color-fg-muted">{user.login}</span>
          </h1>
          {user.suspendedAt ? <span class="Label Label--danger">Suspended</span> : null}
        </div>
        <div class="col-md-9">
          <h2 class="h4 mb-2">Repositories</h2>
          <RepoList repos={repos} empty={`${user.login} has no repositories you can see.`} />
        </div>
      </div>
    </Layout>
  );
}

export function OrgProfilePage(props: { ctx: PageContext; org: User; repos: Repo[]; members: OrgMember[]; isOwner: boolean; problems: Problems }) {
  const { ctx, org, isOwner } = props;
  return (
    <Layout ctx={ctx} title={org.login}>
      <div class="d-flex flex-items-center mb-3">
        <Avatar login={org.login} size={48} />
        <h1 class="h2 ml-2">{org.login}</h1>
        <span class="Label ml-2">Organization</span>
      </div>
      <div class="d-md-flex gutter-md">
        <div class="col-md-8">
          <h2 class="h4 mb-2">Repositories</h2>
          <RepoList repos={props.repos} empty="This organization has no repositories you can see." />
        </div>
        <div class="col-md-4">
          <h2 class="h4 mb-2">People</h2>
          {props.problems.form ? <Flash kind="error">{props.problems.form}</Flash> : null}
          <ul class="list-style-none mb-3" aria-label="Members">
            {props.members.map((m) => (
              <li class="py-1 d-flex flex-items-center">
                <Avatar login={m.user.login} />
                <a class="ml-2 flex-auto" href={`/${m.user.login}`}>
                  {m.user.login}
                </a>
                <span class="Label mr-1">{m.role === 'owner' ? 'Owner' : 'Member'}</span>
                {isOwner ? (
                  <form action={`/organizations/${org.login}/members/remove`} method="post">
                    <CsrfField csrf={ctx.csrf} />
                    <input type="hidden" name="username" value={m.user.login} />
                    <button type="submit" class="btn btn-sm btn-danger" aria-label={`Remove ${m.user.login}`}>
                      Remove
                    </button>
                  </form>
                ) : null}
              </li>
            ))}
          </ul>
          {isOwner ? (
            <form action={`/organizations/${org.login}/members`} method="post">
              <CsrfField csrf={ctx.csrf} />
              <TextField name="username" label="Username" required error={props.problems.username} />
              <div class="form-group">
                <label for="member-role">Role</label>
                <select class="form-select d-block" id="member-role" name="role">
                  <option value="member">Member</option>
                  <option value="owner">Owner</option>
                </select>
              </div>
              <button type="submit" class="btn">
                Add member
              </button>
            </form>
          ) : null}
        </div>
      </div>
    </Layout>
  );
}

export function NewOrgPage({ ctx, values, problems }: { ctx: PageContext; values: { login: string }; problems: Problems }) {
  return (
    <Layout ctx={ctx} title="New organization">
      <div class="col-md-6 mx-auto">
        <PageHeading title="Set up your organization" />
        <form action="/organizations/new" method="post">
          <CsrfField csrf={ctx.csrf} />
          <TextField name="login" label="Organization name" value={values.login} required error={problems.login} />
          <button type="submit" class="btn btn-primary">
            Create organization
          </button>
        </form>
      </div>
    </Layout>
  );
}
