import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../../domain/auth/session-service.js';
import type { IssuedToken } from '../../domain/tokens/token-service.js';
import { isGitgateError } from '../../lib/errors.js';
import type { Problems } from '../../views/components.js';
import { NewTokenPage, RegenerateTokenPage, TokenListPage, TokenPage, type TokenFormValues } from '../../views/token-pages.js';
import { ensureSudo, inlineSudo } from './sudo.js';
import { readExpiration, toExpirationChoice } from './token-form.js';
import { field, fieldList, formProblems, pageNotFound, type WebKit } from './web-context.js';
import { auditActor, requireUser } from './web-session.js';

function tokenId(request: FastifyRequest): number | null {
  const raw = (request.params as { id: string }).id;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

/**
 * Settings -> Developer settings -> Personal access tokens, following GitHub's flow and words.
 * Creating, regenerating and editing need sudo mode; a new secret is shown once, on the list, via the flash.
 */
export async function tokenRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services } = kit;

  async function ownToken(request: FastifyRequest) {
    const { user } = requireUser(request);
    const id = tokenId(request);
    if (id === null) return null;
    try {
      return await services.tokens.get(user, id);
    } catch (error) {
      if (isGitgateError(error) && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /**
   * Generating, regenerating and editing ask for the password inside the form when sudo mode lapsed
   * while it was being filled in, so nothing typed is lost (the "Confirm access" page would come back
   * to a GET of the form). `again` re-renders the form with the problems.
   */
  async function withInlineSudo(request: FastifyRequest, session: Session, again: (status: number, problems: Problems) => Promise<unknown>, act: () => Promise<unknown>) {
    const sudo = await inlineSudo(kit, request, session, field(request.body, 'sudo_password'));
    if (!sudo.ok) return again(sudo.status, { sudo: sudo.message });
    try {
      return await act();
    } catch (error) {
      return again(422, formProblems(error));
    }
  }

  /** A new secret is shown once, on the list, via the flash. */
  function showNewSecret(reply: FastifyReply, session: Session, issued: IssuedToken) {
    kit.flash.set(reply, session, { token: { value: issued.token, id: issued.info.id } });
    return kit.redirect(reply, '/settings/tokens');
  }

  app.get('/settings/tokens', async (request, reply) => {
    const { user } = requireUser(request);
    const ctx = kit.context(request, reply, { takeFlash: true });
    const tokens = await services.tokens.list(user);
    const shown = ctx.flash?.token && tokens.some((t) => t.id === ctx.flash!.token!.id) ? { token: ctx.flash.token.value, id: ctx.flash.token.id } : null;
    return kit.send(reply, 200, <TokenListPage ctx={ctx} tokens={tokens} newToken={shown} />);
  });

  app.get('/settings/tokens/new', async (request, reply) => {
    const { session } = requireUser(request);
    if (!(await ensureSudo(kit, request, reply, session, request.url))) return reply;
    const query = request.query as Record<string, unknown>;
    // GitHub-style prefill: /settings/tokens/new?description=ci&scopes=repo,read:org
    const values: TokenFormValues = {
      note: typeof query.description === 'string' ? query.description.slice(0, 100) : '',
      expiration: '30',
      customDate: '',
      scopes: typeof query.scopes === 'string' ? query.scopes.split(',').map((s) => s.trim()).filter(Boolean) : [],
    };
    return kit.send(reply, 200, <NewTokenPage ctx={kit.context(request, reply)} values={values} problems={{}} />);
  });

  app.post('/settings/tokens', async (request, reply) => {
    const { user, session } = requireUser(request);
    const values: TokenFormValues = { note: field(request.body, 'note'), scopes: fieldList(request.body, 'scopes'), ...readExpiration(request.body) };
    const again = (status: number, problems: Problems) => kit.send(reply, status, <NewTokenPage ctx={kit.context(request, reply)} values={values} problems={problems} />);
    return withInlineSudo(request, session, again, async () =>
      showNewSecret(reply, session, await services.tokens.create(user, { note: values.note, scopes: values.scopes, expiration: toExpirationChoice(values) }, auditActor(user), request.ip)),
    );
  });

  app.post('/settings/tokens/revoke-all', async (request, reply) => {
    const { user, session } = requireUser(request);
    if (!(await ensureSudo(kit, request, reply, session, '/settings/tokens'))) return reply;
    const count = await services.tokens.deleteAll(user, auditActor(user), request.ip);
    kit.flash.set(reply, session, { notice: `Revoked ${count} personal access token${count === 1 ? '' : 's'}.` });
    return kit.redirect(reply, '/settings/tokens');
  });

  app.get('/settings/tokens/:id', async (request, reply) => {
    const token = await ownToken(request);
    if (!token) throw pageNotFound();
    return kit.send(reply, 200, <TokenPage ctx={kit.context(request, reply, { takeFlash: true })} token={token} values={{ note: token.note, scopes: token.scopes }} problems={{}} />);
  });

  app.post('/settings/tokens/:id', async (request, reply) => {
    const { user, session } = requireUser(request);
    const token = await ownToken(request);
    if (!token) throw pageNotFound();
    const values = { note: field(request.body, 'note'), scopes: fieldList(request.body, 'scopes') };
    const again = (status: number, problems: Problems) => kit.send(reply, status, <TokenPage ctx={kit.context(request, reply)} token={token} values={values} problems={problems} />);
    return withInlineSudo(request, session, again, async () => {
      await services.tokens.update(user, token.id, values, auditActor(user), request.ip);
      kit.flash.set(reply, session, { notice: 'Token updated.' });
      return kit.redirect(reply, `/settings/tokens/${token.id}`);
    });
  });

  app.get('/settings/tokens/:id/regenerate', async (request, reply) => {
    const { session } = requireUser(request);
    const token = await ownToken(request);
    if (!token) throw pageNotFound();
    if (!(await ensureSudo(kit, request, reply, session, request.url))) return reply;
    return kit.send(reply, 200, <RegenerateTokenPage ctx={kit.context(request, reply)} token={token} values={{ expiration: '30', customDate: '' }} problems={{}} />);
  });

  app.post('/settings/tokens/:id/regenerate', async (request, reply) => {
    const { user, session } = requireUser(request);
    const token = await ownToken(request);
    if (!token) throw pageNotFound();
    const values = readExpiration(request.body);
    const again = (status: number, problems: Problems) => kit.send(reply, status, <RegenerateTokenPage ctx={kit.context(request, reply)} token={token} values={values} problems={problems} />);
    return withInlineSudo(request, session, again, async () => showNewSecret(reply, session, await services.tokens.regenerate(user, token.id, toExpirationChoice(values), auditActor(user), request.ip)));
  });

  app.post('/settings/tokens/:id/delete', async (request, reply) => {
    const { user, session } = requireUser(request);
    const token = await ownToken(request);
    if (!token) throw pageNotFound();
    await services.tokens.delete(user, token.id, auditActor(user), request.ip);
    kit.flash.set(reply, session, { notice: `Deleted the token "${token.note}".` });
    return kit.redirect(reply, '/settings/tokens');
  });
}
