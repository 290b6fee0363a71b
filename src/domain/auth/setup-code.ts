import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { hmacSha256, randomUrlSafe, safeEqual } from '../../lib/crypto.js';
import { GitgateError } from '../../lib/errors.js';
import { toDbTime } from '../../lib/time.js';
import { validateEmail, validateLogin, validatePassword } from '../accounts/account-rules.js';
import type { AccountService, NewUser } from '../accounts/account-service.js';
import type { User } from '../accounts/user-store.js';

const KEY = 'setup_code_digest';

/**
 * The first administrator is created through a one-time URL printed at start-up, never by "whoever
 * signs up first". Only the code's digest is stored, in the database, so any instance accepts it;
 * each start replaces it, and using it (or any admin existing) kills it.
 */
export function createSetupCodes(deps: { db: Kysely<Database>; clock: Clock; secretKey: Buffer; accounts: AccountService }) {
  const { db, clock, secretKey, accounts } = deps;
  const digestOf = (code: string) => hmacSha256(secretKey, `setup:${code}`).toString('hex');

  async function isNeeded(): Promise<boolean> {
    return (await accounts.users.countAdmins()) === 0;
  }

  async function isValid(code: string): Promise<boolean> {
    if (!(await isNeeded())) return false;
    const row = await db.selectFrom('site_settings').select('value').where('key', '=', KEY).executeTakeFirst();
    return !!row && safeEqual(row.value, digestOf(code));
  }

  return {
    isNeeded,
    isValid,

    /** A fresh code when no administrator exists (the old one dies), else null. */
    async issue(): Promise<string | null> {
      if (!(await isNeeded())) {
        await db.deleteFrom('site_settings').where('key', '=', KEY).execute();
        return null;
      }
      const code = randomUrlSafe(24);
      const now = toDbTime(clock.now());
      await db
        .insertInto('site_settings')
        .values({ key: KEY, value: digestOf(code), updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: digestOf(code), updated_at: now }))
        .execute();
      return code;
    },

    /** Creates the first administrator; the code dies with it. */
    async redeem(code: string, input: NewUser): Promise<User> {
      if (!(await isValid(code))) throw new GitgateError('forbidden', 'setup_code_invalid', 'This setup link is no longer valid.');
      // Bad input must not burn the code: validate, then claim it, so two simultaneous uses cannot both succeed.
      validateLogin(input.login.trim());
      validateEmail(input.email);
      validatePassword(input.password ?? '');
      if (await accounts.users.findByLogin(input.login.trim())) {
        throw new GitgateError('conflict', 'login_taken', `username "${input.login.trim()}" is already taken`);
      }
      // Claim the code first, so two simultaneous uses cannot both succeed.
      const claimed = await db.deleteFrom('site_settings').where('key', '=', KEY).where('value', '=', digestOf(code)).executeTakeFirst();
      if (Number(claimed.numDeletedRows) !== 1) throw new GitgateError('forbidden', 'setup_code_invalid', 'This setup link is no longer valid.');
      return accounts.createUser({ ...input, siteAdmin: true }, 'cli');
    },
  };
}

export type SetupCodes = ReturnType<typeof createSetupCodes>;
