import type { FastifyInstance } from 'fastify';
import { DeveloperSettingsPage } from '../../views/developer-layout.js';
import { NotificationSettingsPage, OrgSettingsPage, PasswordSettingsPage, ProfileSettingsPage, SecurityLogPage } from '../../views/settings-pages.js';
import { checkSudoPassword } from './sudo.js';
import { field, formProblems, type WebKit } from './web-context.js';
import { auditActor, requireUser, startSession } from './web-session.js';

/** Settings: profile, password, security log, organizations, and the door to developer settings. */
export async function settingsRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services, config } = kit;

  app.get('/settings', async (_request, reply) => kit.redirect(reply, '/settings/profile'));

  app.get('/settings/profile', async (request, reply) => {
    const { user } = requireUser(request);
    const ctx = kit.context(request, reply, { takeFlash: true });
    return kit.send(reply, 200, <ProfileSettingsPage ctx={ctx} values={{ name: user.name ?? '', email: user.email ?? '' }} problems={{}} />);
  });

  app.post('/settings/profile', async (request, reply) => {
    const { user, session } = requireUser(request);
    const values = { name: field(request.body, 'name').trim(), email: field(request.body, 'email').trim() };
    try {
      await services.accounts.updateProfile(user, { name: values.name, email: values.email }, auditActor(user));
      kit.flash.set(reply, session, { notice: 'Profile updated successfully.' });
      return kit.redirect(reply, '/settings/profile');
    } catch (error) {
      const problems = formProblems(error);
      return kit.send(reply, 422, <ProfileSettingsPage ctx={kit.context(request, reply)} values={values} problems={problems} />);
    }
  });

  app.get('/settings/password', async (request, reply) => {
    requireUser(request);
    return kit.send(reply, 200, <PasswordSettingsPage ctx={kit.context(request, reply, { takeFlash: true })} problems={{}} />);
  });

  app.post('/settings/password', async (request, reply) => {
    const { user } = requireUser(request);
    const again = (status: number, problems: Record<string, string>) => kit.send(reply, status, <PasswordSettingsPage ctx={kit.context(request, reply)} problems={problems} />);
    const check = await checkSudoPassword(kit, request, user, field(request.body, 'old_password'));
    if (!check.ok) return again(check.status, { old_password: check.message });
    const next = field(request.body, 'new_password');
    if (next !== field(request.body, 'confirm_password')) return again(422, { confirm_password: "Password confirmation doesn't match the password." });
    try {
      // Ends every session of the user; this browser gets a fresh one.
      await services.accounts.setPassword(user.login, next, auditActor(user));
    } catch (error) {
      return again(422, formProblems(error));
    }
    await startSession(reply, services, config, user, request);
    return kit.redirect(reply, '/settings/security-log');
  });

  app.get('/settings/security-log', async (request, reply) => {
    const { user } = requireUser(request);
    const events = await services.audit.list(services.db, { userId: user.id, limit: 200 });
    return kit.send(reply, 200, <SecurityLogPage ctx={kit.context(request, reply, { takeFlash: true })} events={events} />);
  });

  app.get('/settings/organizations', async (request, reply) => {
    const { user } = requireUser(request);
    return kit.send(reply, 200, <OrgSettingsPage ctx={kit.context(request, reply)} orgs={await services.orgs.orgsOf(user.id)} />);
  });

  app.get('/settings/notifications', async (request, reply) => {
    const { user } = requireUser(request);
    return kit.send(reply, 200, <NotificationSettingsPage ctx={kit.context(request, reply, { takeFlash: true })} notifyTokenExpiry={user.notifyTokenExpiry} />);
  });

  app.post('/settings/notifications', async (request, reply) => {
    const { user, session } = requireUser(request);
    // An unchecked checkbox is simply absent from the form: absent means off.
    await services.accounts.setNotifyTokenExpiry(user, field(request.body, 'notify_token_expiry') === '1');
    kit.flash.set(reply, session, { notice: 'Notification settings saved.' });
    return kit.redirect(reply, '/settings/notifications');
  });

  app.get('/settings/apps', async (request, reply) => {
    requireUser(request);
    return kit.send(reply, 200, <DeveloperSettingsPage ctx={kit.context(request, reply)} />);
  });
}
