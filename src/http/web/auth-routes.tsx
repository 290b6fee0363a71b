import type { FastifyInstance } from 'fastify';
import { isGitgateError } from '../../lib/errors.js';
import { LoginPage, SetupInvalidPage, SetupPage, SignupPage, SudoPage } from '../../views/auth-pages.js';
import { safeReturnTo } from './return-to.js';
import { checkSudoPassword } from './sudo.js';
import { field, formatWait, formProblems, type WebKit } from './web-context.js';
import { auditActor, clearSessionCookie, requireUser, sessionOf, sessionSecretOf, startSession } from './web-session.js';

/** Sign in and out, sign up, first-administrator setup, and sudo mode. */
export async function authRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  const { services, config } = kit;

  app.get('/login', async (request, reply) => {
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    if (sessionOf(request)) return kit.redirect(reply, returnTo);
    return kit.send(reply, 200, <LoginPage ctx={kit.context(request, reply, { takeFlash: true })} returnTo={returnTo} openSignup={config.openSignup} />);
  });

  app.post('/login', async (request, reply) => {
    const login = field(request.body, 'login').trim();
    const password = field(request.body, 'password');
    const returnTo = safeReturnTo(field(request.body, 'return_to'));
    const again = (status: number, error: string) =>
      kit.send(reply, status, <LoginPage ctx={kit.context(request, reply)} login={login} returnTo={returnTo} error={error} openSignup={config.openSignup} />);

    const wait = await services.passwordThrottle.retryAfter(request.ip, login);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return again(429, `Too many failed sign-in attempts. Try again in ${formatWait(wait)}.`);
    }
    const user = login === '' || password === '' ? null : await services.accounts.verifyPassword(login, password);
    if (!user) {
      await services.passwordThrottle.recordFailure(request.ip, login);
      const target = await services.accounts.users.findCredentials(login);
      await services.audit.record(services.db, {
        action: 'user.login_failure',
        actor: null,
        user: target ? { id: target.user.id, login: target.user.login } : null,
        ip: request.ip,
        data: { via: 'web' },
      });
      const after = await services.passwordThrottle.retryAfter(request.ip, login);
      if (after > 0) {
        reply.header('retry-after', String(after));
        return again(429, `Too many failed sign-in attempts. Try again in ${formatWait(after)}.`);
      }
      return again(401, 'Incorrect username or password.');
    }
    if (user.suspendedAt !== null) return again(403, 'Your account is suspended. Contact a site administrator.');
    await startSession(reply, services, config, user, request);
    await services.audit.record(services.db, { action: 'user.login', actor: auditActor(user), user, ip: request.ip, data: { via: 'web' } });
    return kit.redirect(reply, returnTo);
  });

  app.post('/logout', async (request, reply) => {
    const session = sessionOf(request);
    const secret = sessionSecretOf(request);
    if (session && secret) {
      await services.sessions.destroy(secret);
      await services.audit.record(services.db, { action: 'user.logout', actor: auditActor(session.user), user: session.user, ip: request.ip });
    }
    clearSessionCookie(reply, config);
    return kit.redirect(reply, '/');
  });

  app.get('/signup', async (request, reply) => {
    if (sessionOf(request)) return kit.redirect(reply, '/');
    return kit.send(reply, 200, <SignupPage ctx={kit.context(request, reply)} open={config.openSignup} />);
  });

  app.post('/signup', async (request, reply) => {
    const values = { login: field(request.body, 'login').trim(), email: field(request.body, 'email').trim() };
    if (!config.openSignup) return kit.send(reply, 403, <SignupPage ctx={kit.context(request, reply)} open={false} />);
    try {
      const user = await services.accounts.createUser({ ...values, password: field(request.body, 'password') }, null);
      await startSession(reply, services, config, user, request);
      return kit.redirect(reply, '/');
    } catch (error) {
      const problems = formProblems(error);
      return kit.send(reply, 422, <SignupPage ctx={kit.context(request, reply)} open values={values} problems={problems} />);
    }
  });

  // The one-time URL printed at start-up while no administrator exists.
  app.get('/-/setup', async (request, reply) => {
    const code = String((request.query as Record<string, unknown>).code ?? '');
    if (!(await services.setup.isValid(code))) return kit.send(reply, 404, <SetupInvalidPage ctx={kit.context(request, reply)} />);
    return kit.send(reply, 200, <SetupPage ctx={kit.context(request, reply)} code={code} />);
  });

  app.post('/-/setup', async (request, reply) => {
    const code = field(request.body, 'code');
    const values = { login: field(request.body, 'login').trim(), email: field(request.body, 'email').trim() };
    try {
      const user = await services.setup.redeem(code, { ...values, password: field(request.body, 'password') });
      await startSession(reply, services, config, user, request);
      await services.audit.record(services.db, { action: 'user.login', actor: auditActor(user), user, ip: request.ip, data: { via: 'setup' } });
      return kit.redirect(reply, '/admin');
    } catch (error) {
      if (isGitgateError(error) && error.code === 'setup_code_invalid') return kit.send(reply, 404, <SetupInvalidPage ctx={kit.context(request, reply)} />);
      const problems = formProblems(error);
      return kit.send(reply, 422, <SetupPage ctx={kit.context(request, reply)} code={code} values={values} problems={problems} />);
    }
  });

  app.get('/sessions/sudo', async (request, reply) => {
    requireUser(request);
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    return kit.send(reply, 200, <SudoPage ctx={kit.context(request, reply)} returnTo={returnTo} />);
  });

  app.post('/sessions/sudo', async (request, reply) => {
    const { user, session } = requireUser(request);
    const returnTo = safeReturnTo(field(request.body, 'return_to'));
    const check = await checkSudoPassword(kit, request, user, field(request.body, 'password'));
    if (!check.ok) {
      if (check.retryAfter) reply.header('retry-after', String(check.retryAfter));
      return kit.send(reply, check.status, <SudoPage ctx={kit.context(request, reply)} returnTo={returnTo} error={check.message} />);
    }
    await services.sessions.confirmSudo(session);
    return kit.redirect(reply, returnTo);
  });
}
