import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canAdministerSite, enforce } from '../../domain/auth/policy.js';
import { AdminTokensPage, AdminUsersPage } from '../../views/admin-pages.js';
import { ensureSudo } from './sudo.js';
import { field, formProblems, pageNotFound, type WebKit } from './web-context.js';
import { actorOf, auditActor, requireUser } from './web-session.js';

const USER_ACTIONS = ['promote', 'demote', 'suspend', 'unsuspend'] as const;
const DONE: Record<(typeof USER_ACTIONS)[number], string> = { promote: 'Promoted', demote: 'Demoted', suspend: 'Suspended', unsuspend: 'Unsuspended' };

/** Site administration: users (create, promote, suspend) and every token's metadata (revoke). */
export async function adminRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services } = kit;

  function requireAdmin(request: FastifyRequest) {
    const signedIn = requireUser(request);
    enforce(canAdministerSite(actorOf(request)));
    return signedIn;
  }

  app.get('/admin', async (request, reply) => {
    requireAdmin(request);
    const users = await services.accounts.users.list({ type: 'User' });
    return kit.send(reply, 200, <AdminUsersPage ctx={kit.context(request, reply, { takeFlash: true })} users={users} values={{ login: '', email: '' }} problems={{}} />);
  });

  app.post('/admin/users', async (request, reply) => {
    const { user, session } = requireAdmin(request);
    if (!(await ensureSudo(kit, request, reply, session, '/admin'))) return reply;
    const values = { login: field(request.body, 'login').trim(), email: field(request.body, 'email').trim() };
    try {
      const created = await services.accounts.createUser({ ...values, password: field(request.body, 'password') }, auditActor(user));
      kit.flash.set(reply, session, { notice: `Created the user ${created.login}.` });
      return kit.redirect(reply, '/admin');
    } catch (error) {
      const problems = formProblems(error);
      const users = await services.accounts.users.list({ type: 'User' });
      return kit.send(reply, 422, <AdminUsersPage ctx={kit.context(request, reply)} users={users} values={values} problems={problems} />);
    }
  });

  app.post('/admin/users/:login/:action', async (request, reply) => {
    const { user, session } = requireAdmin(request);
    if (!(await ensureSudo(kit, request, reply, session, '/admin'))) return reply;
    const { login, action } = request.params as { login: string; action: string };
    if (!(USER_ACTIONS as readonly string[]).includes(action)) throw pageNotFound();
    // A suspended user's sessions end inside suspend(); their tokens are refused at authentication.
    await services.accounts[action as (typeof USER_ACTIONS)[number]](login, auditActor(user));
    kit.flash.set(reply, session, { notice: `${DONE[action as (typeof USER_ACTIONS)[number]]} ${login}.` });
    return kit.redirect(reply, '/admin');
  });

  app.get('/admin/tokens', async (request, reply) => {
    requireAdmin(request);
    return kit.send(reply, 200, <AdminTokensPage ctx={kit.context(request, reply, { takeFlash: true })} tokens={await services.tokens.listAll()} />);
  });

  app.post('/admin/tokens/:id/revoke', async (request, reply) => {
    const { user, session } = requireAdmin(request);
    if (!(await ensureSudo(kit, request, reply, session, '/admin/tokens'))) return reply;
    const raw = (request.params as { id: string }).id;
    if (!/^\d{1,15}$/.test(raw)) throw pageNotFound();
    const revoked = await services.tokens.revokeById(Number(raw), auditActor(user), 'revoked_by_admin');
    kit.flash.set(reply, session, { notice: `Revoked the token "${revoked.note}".` });
    return kit.redirect(reply, '/admin/tokens');
  });
}
