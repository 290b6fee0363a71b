import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Clock, DAY } from '../../lib/clock.js';
import { toDbTime } from '../../lib/time.js';
import { redactToken } from '../tokens/token-format.js';
import type { TokenInfo } from '../tokens/token-store.js';
import type { Mailer } from './mailer.js';

type NoticeColumn = 'notice_7d_at' | 'notice_1d_at' | 'notice_expired_at';

interface NoticeKind {
  column: NoticeColumn;
  /** Tokens whose expiry falls in [from, to) relative to now are due. */
  from: number;
  to: number;
  subject: (note: string) => string;
  text: (note: string, expiresAt: string) => string;
}

const fmt = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/**
 * Token notices by email: one 7 days before a token expires, one 1 day before, one when it has
 * expired, each exactly once even with several instances (a claim in the database), and one when a
 * token is created or regenerated (so a token made by someone who took over a session is noticed).
 */
export function createTokenNotices(deps: { db: Kysely<Database>; clock: Clock; mailer: Mailer; baseUrl: () => string }) {
  const { db, clock, mailer } = deps;
  const tokensUrl = () => `${deps.baseUrl()}/settings/tokens`;

  const kinds: NoticeKind[] = [
    {
      column: 'notice_7d_at',
      from: DAY,
      to: 7 * DAY,
      subject: (note) => `[Gitgate] Your personal access token "${note}" expires in 7 days`,
      text: (note, at) => `Your personal access token "${note}" expires on ${fmt(at)}.\n\nTo keep using it, regenerate it at ${tokensUrl()}\n`,
    },
    {
      column: 'notice_1d_at',
      from: 0,
      to: DAY,
      subject: (note) => `[Gitgate] Your personal access token "${note}" expires tomorrow`,
      text: (note, at) => `Your personal access token "${note}" expires on ${fmt(at)}.\n\nTo keep using it, regenerate it at ${tokensUrl()}\n`,
    },
    {
      column: 'notice_expired_at',
      from: -7 * DAY,
      to: 0,
      subject: (note) => `[Gitgate] Your personal access token "${note}" has expired`,
      text: (note, at) => `Your personal access token "${note}" expired on ${fmt(at)}.\n\nIf you still need it, regenerate it at ${tokensUrl()}\n`,
    },
  ];

  return {
    /** Sends every notice now due; returns how many this instance sent. Safe to run on every instance. */
    async sendDueExpiryNotices(): Promise<number> {
      if (!mailer.enabled) return 0;
      const now = clock.millis();
      let sent = 0;
      for (const kind of kinds) {
        const due = await db
          .selectFrom('access_tokens as t')
          .innerJoin('users as u', 'u.id', 't.user_id')
          .select(['t.id', 't.note', 't.expires_at', 't.created_at', 't.regenerated_at', 'u.email'])
          .where(kind.column, 'is', null)
          .where('t.expires_at', 'is not', null)
          .where('t.expires_at', '>=', toDbTime(new Date(now + kind.from)))
          .where('t.expires_at', '<', toDbTime(new Date(now + kind.to)))
          .where('u.notify_token_expiry', '=', 1)
          .execute();
        for (const token of due) {
          const issued = new Date(token.regenerated_at ?? token.created_at).getTime();
          const expires = new Date(token.expires_at!).getTime();
          // A token given 7 days or less at creation skips the 7-day notice (it would arrive at birth).
          if (kind.column === 'notice_7d_at' && expires - issued <= 7 * DAY) continue;
          const claimed = await db
            .updateTable('access_tokens')
            .set({ [kind.column]: toDbTime(new Date(now)) })
            .where('id', '=', token.id)
            .where(kind.column, 'is', null)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1 || !token.email) continue;
          await mailer.send({ to: token.email, subject: kind.subject(token.note), text: kind.text(token.note, token.expires_at!) });
          sent += 1;
        }
      }
      return sent;
    },

    /** "A new personal access token (NOTE) was added to your account", as GitHub sends. */
    async tokenIssued(owner: { email: string | null; login: string }, info: TokenInfo, regenerated: boolean): Promise<void> {
      if (!mailer.enabled || !owner.email) return;
      const what = regenerated ? 'was regenerated on' : 'was added to';
      await mailer.send({
        to: owner.email,
        subject: `[Gitgate] A personal access token (${info.note}) ${what} your account`,
        text:
          `Hey ${owner.login},\n\nA personal access token (${info.note}, ${redactToken(info.lastFour)}) ${what} your account.\n` +
          `Scopes: ${info.scopes.join(', ') || '(none)'}\n\nIf this wasn't you, delete it at ${tokensUrl()} and change your password.\n`,
      });
    },

    /** Tells a token's owner that it was found exposed (push protection or a public repository) or revoked by someone holding it. */
    async tokenExposed(owner: { email: string | null; login: string }, note: string, lastFour: string, where: string, revoked: boolean): Promise<void> {
      if (!mailer.enabled || !owner.email) return;
      await mailer.send({
        to: owner.email,
        subject: `[Gitgate] Your personal access token "${note}" was ${revoked ? 'revoked' : 'found'} in ${where}`,
        text:
          `Hey ${owner.login},\n\nYour personal access token "${note}" (${redactToken(lastFour)}) was found in ${where}.\n` +
          (revoked ? 'It has been revoked and no longer works.' : 'The push was blocked; the token still works. Revoke it if it may have been exposed.') +
          `\n\nManage your tokens at ${tokensUrl()}\n`,
      });
    },
  };
}

export type TokenNotices = ReturnType<typeof createTokenNotices>;
