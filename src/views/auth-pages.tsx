import { CsrfField, Flash, type Problems, TextField } from './components.js';
import { NarrowLayout } from './layout.js';
import type { PageContext } from './page-context.js';

export function LoginPage(props: { ctx: PageContext; login?: string; returnTo: string; error?: string | null; openSignup: boolean }) {
  return (
    <NarrowLayout ctx={props.ctx} title="Sign in" heading="Sign in to Gitgate">
      {props.error ? <Flash kind="error">{props.error}</Flash> : null}
      <form action="/login" method="post">
        <CsrfField csrf={props.ctx.csrf} />
        <input type="hidden" name="return_to" value={props.returnTo} />
        <TextField name="login" label="Username or email address" value={props.login} autocomplete="username" required autofocus />
        <TextField name="password" label="Password" type="password" autocomplete="current-password" required />
        <button type="submit" class="btn btn-primary btn-block">
          Sign in
        </button>
      </form>
      {props.openSignup ? (
        <p class="mt-3 text-center">
          New here? <a href="/signup">Create an account</a>.
        </p>
      ) : null}
    </NarrowLayout>
  );
}

export function SignupPage(props: { ctx: PageContext; values?: { login?: string; email?: string }; problems?: Problems; open: boolean }) {
  const p = props.problems ?? {};
  return (
    <NarrowLayout ctx={props.ctx} title="Sign up" heading="Create your account">
      {props.open ? (
        <form action="/signup" method="post">
          <CsrfField csrf={props.ctx.csrf} />
          <TextField name="login" label="Username" value={props.values?.login} autocomplete="username" required error={p.login} />
          <TextField name="email" label="Email address" type="email" value={props.values?.email} autocomplete="email" required error={p.email} />
          <TextField name="password" label="Password" type="password" autocomplete="new-password" required error={p.password} note="At least 8 characters." />
          <button type="submit" class="btn btn-primary btn-block">
            Create account
          </button>
        </form>
      ) : (
        <p>Sign-up is closed on this server. Ask a site administrator to create an account for you.</p>
      )}
    </NarrowLayout>
  );
}

export function SetupPage(props: { ctx: PageContext; code: string; values?: { login?: string; email?: string }; problems?: Problems; error?: string | null }) {
  const p = props.problems ?? {};
  return (
    <NarrowLayout ctx={props.ctx} title="Set up Gitgate" heading="Create the first administrator">
      {props.error ? <Flash kind="error">{props.error}</Flash> : null}
      <form action="/-/setup" method="post">
        <CsrfField csrf={props.ctx.csrf} />
        <input type="hidden" name="code" value={props.code} />
        <TextField name="login" label="Username" value={props.values?.login} autocomplete="username" required error={p.login} />
        <TextField name="email" label="Email address" type="email" value={props.values?.email} autocomplete="email" required error={p.email} />
        <TextField name="password" label="Password" type="password" autocomplete="new-password" required error={p.password} />
        <button type="submit" class="btn btn-primary btn-block">
          Create administrator
        </button>
      </form>
    </NarrowLayout>
  );
}

export function SetupInvalidPage({ ctx }: { ctx: PageContext }) {
  return (
    <NarrowLayout ctx={ctx} title="Setup link" heading="This setup link is no longer valid">
      <p>An administrator already exists, or the server has been restarted with a new link. <a href="/login">Sign in</a>.</p>
    </NarrowLayout>
  );
}

/**
 * Sudo mode, "Confirm access": the password again before sensitive actions. By default it enters
 * sudo mode and goes on to `returnTo`; with `repost`, it sends an interrupted form again to its own
 * address, its fields carried as they were, with the password as `sudo_password`, so the action
 * happens once the password is confirmed.
 */
export function SudoPage(props: { ctx: PageContext; returnTo: string; error?: string | null; repost?: { action: string; fields: [string, string][] } }) {
  const { repost } = props;
  return (
    <NarrowLayout ctx={props.ctx} title="Confirm access" heading="Confirm access">
      {props.error ? <Flash kind="error">{props.error}</Flash> : null}
      <p class="mb-3">
        Signed in as <strong>{props.ctx.viewer?.login}</strong>. You are entering sudo mode: we won't ask for your password
        again for 2 hours.
      </p>
      <form action={repost ? repost.action : '/sessions/sudo'} method="post">
        <CsrfField csrf={props.ctx.csrf} />
        {repost ? (
          repost.fields.map(([name, value]) => <input type="hidden" name={name} value={value} />)
        ) : (
          <input type="hidden" name="return_to" value={props.returnTo} />
        )}
        <TextField name={repost ? 'sudo_password' : 'password'} label="Password" type="password" autocomplete="current-password" required autofocus />
        <button type="submit" class="btn btn-primary btn-block">
          Confirm
        </button>
      </form>
    </NarrowLayout>
  );
}
