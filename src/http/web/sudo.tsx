import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../domain/accounts/user-store.js';
import type { Session } from '../../domain/auth/session-service.js';
import { SudoPage } from '../../views/auth-pages.js';
import type { WebKit } from './web-context.js';
import { type FormBody, field, formatWait } from './web-context.js';

export type PasswordCheck = { ok: true } | { ok: false; status: 401 | 429; message: string; retryAfter?: number };

function throttled(wait: number): PasswordCheck {
  return { ok: false, status: 429, message: `Too many failed attempts. Try again in ${formatWait(wait)}.`, retryAfter: wait };
}

/**
 * Checks the signed-in user's password for sudo mode, throttled like sign-in (per IP and account,
 * in the database) and audited as a failed sign-in when wrong.
 */
export async function checkSudoPassword(kit: WebKit, request: FastifyRequest, user: User, password: string): Promise<PasswordCheck> {
  const { services } = kit;
  const wait = await services.passwordThrottle.retryAfter(request.ip, user.login);
  if (wait > 0) return throttled(wait);
  const verified = password === '' ? null : await services.accounts.verifyPassword(user.login, password);
  if (!verified || verified.id !== user.id) {
    await services.passwordThrottle.recordFailure(request.ip, user.login);
    await services.audit.record(services.db, { action: 'user.login_failure', actor: null, user, ip: request.ip, data: { via: 'sudo' } });
    const after = await services.passwordThrottle.retryAfter(request.ip, user.login);
    if (after > 0) return throttled(after);
    return { ok: false, status: 401, message: 'Incorrect password.' };
  }
  return { ok: true };
}

/**
 * Sensitive pages and actions need a password confirmed within the last 2 hours. Returns true when
 * in sudo mode; otherwise it has answered with the "Confirm access" page. For a page (GET), that
 * page comes back to `returnTo`. For an action (a form's POST), it posts the form again to the same
 * address with the password, which this accepts as `sudo_password`: the action then happens, as on
 * GitHub, instead of the user landing back on `returnTo` with nothing done. Password fields of the
 * form are not carried: a password is never written into a page.
 */
export async function ensureSudo(kit: WebKit, request: FastifyRequest, reply: FastifyReply, session: Session, returnTo: string): Promise<boolean> {
  if (kit.services.sessions.isSudo(session)) return true;
  if (request.method !== 'POST') {
    await kit.send(reply, 200, <SudoPage ctx={kit.context(request, reply)} returnTo={returnTo} />);
    return false;
  }
  const repost = { action: request.url, fields: carriedFields(request.body) };
  const password = field(request.body, 'sudo_password');
  // No password yet: the prompt itself, not an error.
  const sudo = password === '' ? null : await inlineSudo(kit, request, session, password);
  if (sudo?.ok) return true;
  if (sudo?.retryAfter) reply.header('retry-after', String(sudo.retryAfter));
  await kit.send(reply, sudo?.status ?? 200, <SudoPage ctx={kit.context(request, reply)} returnTo={returnTo} repost={repost} error={sudo?.message} />);
  return false;
}

/** A form's fields to post again: all but its CSRF token (the page brings a fresh one) and any password. */
function carriedFields(body: unknown): [string, string][] {
  const fields: [string, string][] = [];
  for (const [name, value] of Object.entries((body ?? {}) as FormBody)) {
    if (name === '_csrf' || /password/i.test(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') fields.push([name, item]);
  }
  return fields;
}

/**
 * For forms that carry the password (`sudo_password`) when sudo mode ran out while they were being
 * filled in, and for the actions `ensureSudo` posts again: in sudo mode, or the password is right
 * (and sudo mode starts again).
 */
export async function inlineSudo(
  kit: WebKit,
  request: FastifyRequest,
  session: Session,
  password: string,
): Promise<{ ok: true } | { ok: false; status: number; message: string; retryAfter?: number }> {
  if (kit.services.sessions.isSudo(session)) return { ok: true };
  if (password === '') return { ok: false, status: 403, message: 'Sudo mode has expired: confirm your password to continue. Your input has been kept.' };
  const check = await checkSudoPassword(kit, request, session.user, password);
  if (!check.ok) return check;
  await kit.services.sessions.confirmSudo(session);
  return { ok: true };
}
