import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PolicyDenied } from '../../domain/auth/policy.js';
import { isGitgateError } from '../../lib/errors.js';
import type { Problems } from '../../views/components.js';
import { NewOrgPage, OrgProfilePage } from '../../views/profile-pages.js';
import { field, formProblems, type WebKit } from './web-context.js';
import { actorOf, requireUser } from './web-session.js';

/** Creating organizations and managing their members (owners only: the policy decides). */
export async function orgRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services } = kit;

  app.get('/organizations/new', async (request, reply) => {
    requireUser(request);
    return kit.send(reply, 200, <NewOrgPage ctx={kit.context(request, reply)} values={{ login: '' }} problems={{}} />);
  });

  app.post('/organizations/new', async (request, reply) => {
    const { user } = requireUser(request);
    const login = field(request.body, 'login').trim();
    try {
      const org = await services.orgs.create(actorOf(request), login, user);
      return kit.redirect(reply, `/${org.login}`);
    } catch (error) {
      const problems = formProblems(error);
      return kit.send(reply, 422, <NewOrgPage ctx={kit.context(request, reply)} values={{ login }} problems={{ login: problems.login ?? Object.values(problems)[0]! }} />);
    }
  });

  async function orgPage(request: FastifyRequest, reply: FastifyReply, status: number, problems: Problems) {
    const org = await services.orgs.getOrg((request.params as { org: string }).org);
    const actor = actorOf(request);
    const page = (
      <OrgProfilePage
        ctx={kit.context(request, reply)}
        org={org}
        repos={await services.repos.listForOwner(actor, org.login)}
        members={await services.orgs.members(org.login)}
        isOwner={(await services.orgs.roleOf(actor, org)) === 'owner'}
        problems={problems}
      />
    );
    return kit.send(reply, status, page);
  }

  async function change(request: FastifyRequest, reply: FastifyReply, action: () => Promise<void>) {
    requireUser(request);
    const org = (request.params as { org: string }).org;
    try {
      await action();
    } catch (error) {
      if (error instanceof PolicyDenied || !isGitgateError(error)) throw error;
      if (error.kind === 'not_found' && error.code === 'org_not_found') throw error;
      return orgPage(request, reply, 422, error.kind === 'not_found' ? { username: 'No user has that username.' } : { form: error.message });
    }
    return kit.redirect(reply, `/${org}`);
  }

  app.post('/organizations/:org/members', (request, reply) =>
    change(request, reply, () =>
      services.orgs.setMember(actorOf(request), (request.params as { org: string }).org, field(request.body, 'username').trim(), field(request.body, 'role') === 'owner' ? 'owner' : 'member'),
    ),
  );

  app.post('/organizations/:org/members/remove', (request, reply) =>
    change(request, reply, () => services.orgs.removeMember(actorOf(request), (request.params as { org: string }).org, field(request.body, 'username'))),
  );
}
