import type { Command } from 'commander';
import { parseExpirationChoice } from '../domain/tokens/expiration.js';
import { GitgateError } from '../lib/errors.js';
import { withRuntime } from './context.js';
import { printList } from './output.js';
import { presentToken } from './presenters.js';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage personal access tokens');

  token
    .command('create')
    .description('create a token; prints the token alone (it is shown only once)')
    .requiredOption('--user <username>', 'owner of the token')
    .requiredOption('--note <note>', "what's this token for?")
    .option('--scopes <list>', 'comma-separated scopes, e.g. repo,read:org', '')
    .option('--expires <when>', '7, 30, 60, 90, YYYY-MM-DD or never', '30')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      await withRuntime(opts, async ({ services }) => {
        const user = await services.accounts.getUser(opts.user);
        const issued = await services.tokens.create(
          user,
          { note: opts.note, scopes: String(opts.scopes).split(','), expiration: parseExpirationChoice(opts.expires) },
          'cli',
        );
        process.stdout.write(`${issued.token}\n`);
      });
    });

  token
    .command('list')
    .description("list a user's tokens (never the secret)")
    .requiredOption('--user <username>', 'owner of the tokens')
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      await withRuntime(opts, async ({ services }) => {
        const user = await services.accounts.getUser(opts.user);
        const tokens = await services.tokens.list(user);
        printList(tokens.map(presentToken), !!opts.json, ['id', 'note', 'scopes', 'created_at', 'expires_at', 'last_used_at']);
      });
    });

  token
    .command('revoke [id]')
    .description('revoke a token by id, or every token of a user with --all --user U')
    .option('--all', 'revoke all tokens of --user')
    .option('--user <username>', 'with --all: whose tokens')
    .option('--data <dir>', 'data directory')
    .action(async (id: string | undefined, opts) => {
      await withRuntime(opts, async ({ services }) => {
        if (opts.all) {
          if (!opts.user || id) throw new GitgateError('invalid', 'usage', 'use either "token revoke ID" or "token revoke --all --user U"');
          const count = await services.tokens.deleteAll(await services.accounts.getUser(opts.user), 'cli');
          process.stdout.write(`revoked ${count} token(s) of ${opts.user}\n`);
          return;
        }
        if (!id || !/^\d+$/.test(id)) throw new GitgateError('invalid', 'usage', 'token revoke needs a numeric token id (or --all --user U)');
        const info = await services.tokens.revokeById(Number(id), 'cli');
        process.stdout.write(`revoked token ${info.id} (${info.note})\n`);
      });
    });
}
