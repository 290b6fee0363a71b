import type { AuditEvent } from '../domain/audit/audit-log.js';
import type { User } from '../domain/accounts/user-store.js';
import { CsrfField, Flash, PageHeading, type Problems, TextField } from './components.js';
import { formatDateTime } from './format.js';
import { SettingsLayout } from './layout.js';
import type { PageContext } from './page-context.js';

export function ProfileSettingsPage(props: { ctx: PageContext; values: { name: string; email: string }; problems: Problems; saved?: boolean }) {
  const p = props.problems;
  return (
    <SettingsLayout ctx={props.ctx} title="Your profile" current="/settings/profile">
      <PageHeading title="Public profile" />
      {props.saved ? <Flash kind="success">Profile updated successfully.</Flash> : null}
      <form action="/settings/profile" method="post">
        <CsrfField csrf={props.ctx.csrf} />
        <TextField name="name" label="Name" value={props.values.name} error={p.name} autocomplete="name" />
        <TextField name="email" label="Email" type="email" value={props.values.email} error={p.email} autocomplete="email" required />
        <button type="submit" class="btn btn-primary">
          Update profile
        </button>
      </form>
    </SettingsLayout>
  );
}

export function PasswordSettingsPage(props: { ctx: PageContext; problems: Problems }) {
  const p = props.problems;
  return (
    <SettingsLayout ctx={props.ctx} title="Password and authentication" current="/settings/password">
      <PageHeading title="Change password" />
      <p class="mb-3">Changing your password signs you out everywhere, this browser included.</p>
      <form action="/settings/password" method="post">
        <CsrfField csrf={props.ctx.csrf} />
        <TextField name="old_password" label="Old password" type="password" autocomplete="current-password" required error={p.old_password} />
        <TextField name="new_password" label="New password" type="password" autocomplete="new-password" required error={p.password} />
        <TextField name="confirm_password" label="Confirm new password" type="password" autocomplete="new-password" required error={p.confirm_password} />
        <button type="submit" class="btn btn-primary">
          Update password
        </button>
      </form>
    </SettingsLayout>
  );
}

const ACTION_WORDS: Record<string, string> = {
  'token.create': 'Created a personal access token',
  'token.update': 'Updated a personal access token',
  'token.regenerate': 'Regenerated a personal access token',
  'token.delete': 'Deleted a personal access token',
  'token.expired_use': 'An expired token was used',
  'token.revoked_exposed': 'A token was revoked because it was exposed',
  'user.login': 'Signed in',
  'user.login_failure': 'Failed sign-in',
  'user.logout': 'Signed out',
  'user.password_change': 'Changed the password',
};

export function SecurityLogPage({ ctx, events }: { ctx: PageContext; events: AuditEvent[] }) {
  return (
    <SettingsLayout ctx={ctx} title="Security log" current="/settings/security-log">
      <PageHeading title="Security log" />
      {events.length === 0 ? (
        <p>No events yet.</p>
      ) : (
        <table class="width-full security-log">
          <thead>
            <tr>
              <th>Event</th>
              <th>Details</th>
              <th>Actor</th>
              <th>IP</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr data-action={e.action}>
                <td>
                  <code>{e.action}</code>
                  <div class="f6 color-fg-muted">{ACTION_WORDS[e.action] ?? ''}</div>
                </td>
                <td class="f6">{typeof e.data.note === 'string' ? e.data.note : typeof e.data.full_name === 'string' ? e.data.full_name : ''}</td>
                <td>{e.actor ?? ''}</td>
                <td>{e.ip ?? ''}</td>
                <td class="f6">{formatDateTime(e.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </SettingsLayout>
  );
}

export function OrgSettingsPage({ ctx, orgs }: { ctx: PageContext; orgs: { org: User; role: string }[] }) {
  return (
    <SettingsLayout ctx={ctx} title="Organizations" current="/settings/organizations">
      <PageHeading title="Organizations">
        <a class="btn btn-sm" href="/organizations/new">
          New organization
        </a>
      </PageHeading>
      {orgs.length === 0 ? (
        <p>You are not a member of any organization.</p>
      ) : (
        <ul class="Box list-style-none">
          {orgs.map((o) => (
            <li class="Box-row">
              <a href={`/${o.org.login}`}>{o.org.login}</a> <span class="Label">{o.role === 'owner' ? 'Owner' : 'Member'}</span>
            </li>
          ))}
        </ul>
      )}
    </SettingsLayout>
  );
}

/** Settings -> Notifications: token-expiry emails on or off (issue 18). Without mail configured it still saves. */
export function NotificationSettingsPage({ ctx, notifyTokenExpiry }: { ctx: PageContext; notifyTokenExpiry: boolean }) {
  return (
    <SettingsLayout ctx={ctx} title="Notifications" current="/settings/notifications">
      <PageHeading title="Notifications" />
      <form action="/settings/notifications" method="post">
        <CsrfField csrf={ctx.csrf} />
        <div class="form-checkbox">
          <label>
            <input type="checkbox" name="notify_token_expiry" value="1" checked={notifyTokenExpiry} aria-describedby="notify-token-expiry-note" />
            Email me when a personal access token is about to expire or has expired
          </label>
          <p class="note" id="notify-token-expiry-note">
            One email 7 days before, one 1 day before, and one when it has expired. The banner at the top of each page stays either way.
          </p>
        </div>
        <button type="submit" class="btn btn-primary">
          Save notification settings
        </button>
      </form>
    </SettingsLayout>
  );
}
