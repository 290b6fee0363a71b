import type { FastifyInstance } from 'fastify';
import { DashboardPage, LandingPage, OrgProfilePage, UserProfilePage } from '../../views/profile-pages.js';
import { pageNotFound, type WebKit } from './web-context.js';
import { actorOf, sessionOf } from './web-session.js';

/** The dashboard and the profile pages of users and organizations. */
export async function homeRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services, config } = kit;

  app.get('/', async (request, reply) => {
    const session = sessionOf(request);
    const ctx = kit.context(request, reply, { takeFlash: true });
    if (!session) return kit.send(reply, 200, <LandingPage ctx={ctx} openSignup={config.openSignup} />);
    const repos = await services.repos.listForMember(actorOf(request), session.user.id);
    return kit.send(reply, 200, <DashboardPage ctx={ctx} repos={repos} orgs={await services.orgs.orgsOf(session.user.id)} />);
  });

  app.get('/:owner', async (request, reply) => {
    const login = (request.params as { owner: string }).owner;
    const account = await services.accounts.users.findByLogin(login);
    if (!account) throw pageNotFound();
    if (account.login !== login) return kit.redirect(reply, `/${account.login}`);
    const actor = actorOf(request);
    const repos = await services.repos.listForOwner(actor, account.login);
    const ctx = kit.context(request, reply, { takeFlash: true });
    if (account.type === 'User') return kit.send(reply, 200, <UserProfilePage ctx={ctx} user={account} repos={repos} />);
    const members = await services.orgs.members(account.login);
    const isOwner = (await services.orgs.roleOf(actor, account)) === 'owner';
    return kit.send(reply, 200, <OrgProfilePage ctx={ctx} org={account} repos={repos} members={members} isOwner={isOwner} problems={{}} />);
  });
}
