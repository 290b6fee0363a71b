import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isGitgateError } from '../../lib/errors.js';
import { type Problems, problemsOf } from '../../views/components.js';
import { BlobPage, NewRepoPage, RepoPage, RepoSettingsPage } from '../../views/repo-pages.js';
import { canAdminister, isBinary, openRepo, repoParams, splitRefAndPath } from './repo-access.js';
import { ensureSudo } from './sudo.js';
import { field, formProblems, pageNotFound, type WebKit } from './web-context.js';
import { actorOf, requireUser } from './web-session.js';

const MAX_README_BYTES = 512 * 1024;
const MAX_SHOWN_BYTES = 1024 * 1024;

/** New repository, repository pages (files, README, blobs) and repository settings. */
export async function repoRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services, config } = kit;
  const cloneUrlOf = (owner: string, name: string) => `${config.baseUrl}/${owner}/${name}.git`;

  async function ownersFor(userId: number, login: string): Promise<string[]> {
    return [login, ...(await services.orgs.orgsOf(userId)).map((o) => o.org.login)];
  }

  app.get('/new', async (request, reply) => {
    const { user } = requireUser(request);
    const values = { owner: user.login, name: '', description: '', visibility: 'public' as const };
    return kit.send(reply, 200, <NewRepoPage ctx={kit.context(request, reply)} owners={await ownersFor(user.id, user.login)} values={values} problems={{}} />);
  });

  app.post('/new', async (request, reply) => {
    const { user } = requireUser(request);
    const values = {
      owner: field(request.body, 'owner') || user.login,
      name: field(request.body, 'name').trim(),
      description: field(request.body, 'description'),
      visibility: field(request.body, 'visibility') === 'private' ? ('private' as const) : ('public' as const),
    };
    try {
      const repo = await services.repos.create(actorOf(request), values.owner, { name: values.name, description: values.description, private: values.visibility === 'private' });
      return kit.redirect(reply, `/${repo.owner}/${repo.name}`);
    } catch (error) {
      if (!isGitgateError(error)) throw error;
      const problems: Problems = error.fields.length > 0 ? problemsOf(error.fields) : { form: error.kind === 'forbidden' || error.kind === 'not_found' ? `You cannot create repositories for ${values.owner}.` : error.message };
      return kit.send(reply, 422, <NewRepoPage ctx={kit.context(request, reply)} owners={await ownersFor(user.id, user.login)} values={values} problems={problems} />);
    }
  });

  async function showTree(request: FastifyRequest, reply: FastifyReply, refAndPath: string | null) {
    const { owner, name } = repoParams(request);
    // /OWNER/NAME.git in a browser: the repository page.
    if (refAndPath === null && name.toLowerCase().endsWith('.git') && name.length > 4) return kit.redirect(reply, `/${owner}/${name.slice(0, -4)}`);
    const actor = actorOf(request);
    const { repo, permission, reader } = await openRepo(services, actor, owner, name);
    if (refAndPath === null && (repo.owner !== owner || repo.name !== name)) return kit.redirect(reply, `/${repo.owner}/${repo.name}`);
    const ctx = kit.context(request, reply, { takeFlash: true });
    const canAdmin = canAdminister(actor, repo, permission);
    const cloneUrl = cloneUrlOf(repo.owner, repo.name);
    if (await reader.isEmpty()) {
      if (refAndPath !== null) throw pageNotFound();
      return kit.send(reply, 200, <RepoPage ctx={ctx} repo={repo} canAdmin={canAdmin} cloneUrl={cloneUrl} tree={null} readmeHtml={null} />);
    }
    let target: { ref: string; commit: string; path: string } | null;
    if (refAndPath === null) {
      const branches = await reader.branches();
      const ref = branches.find((b) => b.name === repo.defaultBranch)?.name ?? branches[0]!.name;
      target = { ref, commit: (await reader.resolveCommit(ref))!, path: '' };
    } else {
      target = await splitRefAndPath(reader, refAndPath);
    }
    if (!target) throw pageNotFound();
    const entry = await reader.entry(target.commit, target.path);
    if (entry?.type !== 'tree') throw pageNotFound();
    const entries = await reader.listTree(entry.sha, target.path);
    let readmeHtml: string | null = null;
    const readme = entries.find((e) => e.type === 'blob' && /^readme(\.(md|markdown))?$/i.test(e.name));
    if (readme && (readme.size ?? 0) <= MAX_README_BYTES) {
      // marked and sanitize-html (~6 MB resident) load with the first README shown, not at start-up.
      const { renderMarkdown } = await import('../../views/markdown.js');
      readmeHtml = renderMarkdown((await reader.readBlob(readme.sha)).toString('utf8'));
    }
    return kit.send(reply, 200, <RepoPage ctx={ctx} repo={repo} canAdmin={canAdmin} cloneUrl={cloneUrl} tree={{ ref: target.ref, path: target.path, entries }} readmeHtml={readmeHtml} />);
  }

  app.get('/:owner/:repo', (request, reply) => showTree(request, reply, null));
  app.get('/:owner/:repo/tree/*', (request, reply) => showTree(request, reply, (request.params as { '*': string })['*']));

  app.get('/:owner/:repo/blob/*', async (request, reply) => {
    const { owner, name } = repoParams(request);
    const actor = actorOf(request);
    const { repo, permission, reader } = await openRepo(services, actor, owner, name);
    const target = await splitRefAndPath(reader, (request.params as { '*': string })['*']);
    if (!target || target.path === '') throw pageNotFound();
    const entry = await reader.entry(target.commit, target.path);
    if (entry?.type !== 'blob') throw pageNotFound();
    let text: string | null = null;
    if ((entry.size ?? 0) <= MAX_SHOWN_BYTES) {
      const bytes = await reader.readBlob(entry.sha);
      text = isBinary(bytes) ? null : bytes.toString('utf8');
    }
    return kit.send(reply, 200, <BlobPage ctx={kit.context(request, reply)} repo={repo} canAdmin={canAdminister(actor, repo, permission)} ref={target.ref} path={target.path} text={text} size={entry.size ?? 0} />);
  });

  async function settingsPage(request: FastifyRequest, reply: FastifyReply, status = 200, problems: Problems = {}, deleteConfirm = '') {
    const { owner, name } = repoParams(request);
    const { repo } = await openRepo(services, actorOf(request), owner, name, 'admin');
    const collaborators = (await services.repos.store.listCollaborators(repo.id)).map((c) => ({ login: c.login, permission: c.permission }));
    return kit.send(
      reply,
      status,
      <RepoSettingsPage ctx={kit.context(request, reply, { takeFlash: status === 200 })} repo={repo} collaborators={collaborators} problems={problems} values={{ description: repo.description ?? '', deleteConfirm }} />,
    );
  }

  /** Every settings form: a signed-in user allowed `action` on the repository in the URL. */
  async function openSettingsTarget(request: FastifyRequest, action: 'admin' | 'delete') {
    const { session } = requireUser(request);
    const { owner, name } = repoParams(request);
    const actor = actorOf(request);
    const { repo } = await openRepo(services, actor, owner, name, action);
    return { session, actor, repo };
  }

  app.get('/:owner/:repo/settings', async (request, reply) => {
    requireUser(request);
    return settingsPage(request, reply);
  });

  app.post('/:owner/:repo/settings', async (request, reply) => {
    const { session, actor, repo } = await openSettingsTarget(request, 'admin');
    try {
      await services.repos.update(actor, repo, { description: field(request.body, 'description'), private: field(request.body, 'visibility') === 'private' });
    } catch (error) {
      return settingsPage(request, reply, 422, formProblems(error));
    }
    kit.flash.set(reply, session, { notice: 'Repository settings saved.' });
    return kit.redirect(reply, `/${repo.owner}/${repo.name}/settings`);
  });

  app.post('/:owner/:repo/settings/collaborators', async (request, reply) => {
    const { session, actor, repo } = await openSettingsTarget(request, 'admin');
    const raw = field(request.body, 'permission');
    const permission = raw === 'read' || raw === 'admin' ? raw : 'write';
    try {
      await services.repos.setCollaborator(actor, repo, field(request.body, 'username').trim(), permission);
    } catch (error) {
      if (!isGitgateError(error) || (error.kind !== 'not_found' && error.fields.length === 0)) throw error;
      return settingsPage(request, reply, 422, { username: error.kind === 'not_found' ? 'No user has that username.' : error.message });
    }
    kit.flash.set(reply, session, { notice: 'Collaborator added.' });
    return kit.redirect(reply, `/${repo.owner}/${repo.name}/settings`);
  });

  app.post('/:owner/:repo/settings/collaborators/remove', async (request, reply) => {
    const { session, actor, repo } = await openSettingsTarget(request, 'admin');
    await services.repos.setCollaborator(actor, repo, field(request.body, 'username'), null);
    kit.flash.set(reply, session, { notice: 'Collaborator removed.' });
    return kit.redirect(reply, `/${repo.owner}/${repo.name}/settings`);
  });

  app.post('/:owner/:repo/settings/delete', async (request, reply) => {
    const { session, actor, repo } = await openSettingsTarget(request, 'delete');
    const confirm = field(request.body, 'confirm').trim();
    if (confirm !== repo.fullName) return settingsPage(request, reply, 422, { confirm: `Type ${repo.fullName} to confirm.` }, confirm);
    if (!(await ensureSudo(kit, request, reply, session, `/${repo.owner}/${repo.name}/settings`))) return reply;
    await services.repos.delete(actor, repo);
    kit.flash.set(reply, session, { notice: `Deleted ${repo.fullName}.` });
    return kit.redirect(reply, '/');
  });
}
