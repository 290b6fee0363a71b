import type { Command } from 'commander';
import { withRuntime } from './context.js';
import { printJson, printList } from './output.js';
import { presentAuditEvent, presentUser } from './presenters.js';
import { readPassword } from './prompt.js';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage user accounts');

  user
    .command('create <username>')
    .description('create a user (the password is read from stdin or prompted for, never an argument)')
    .requiredOption('--email <email>', 'email address')
    .option('--name <name>', 'display name')
    .option('--admin', 'make the user a site administrator')
    .option('--password-stdin', 'read the password from standard input')
    .option('--data <dir>', 'data directory')
    .option('--json', 'print the user as JSON')
    .action(async (login: string, opts) => {
      const password = await readPassword(opts.passwordStdin);
      await withRuntime(opts, async ({ services }) => {
        const created = await services.accounts.createUser(
          { login, email: opts.email, password, name: opts.name ?? null, siteAdmin: !!opts.admin },
          'cli',
        );
        if (opts.json) printJson(presentUser(created));
        else process.stdout.write(`created user ${created.login}${created.siteAdmin ? ' (site administrator)' : ''}\n`);
      });
    });

  user
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      await withRuntime(opts, async ({ services }) => {
        const users = await services.accounts.users.list({ type: 'User' });
        printList(users.map(presentUser), !!opts.json, ['id', 'login', 'email', 'site_admin', 'suspended_at', 'created_at']);
      });
    });

  user
    .command('set-password <username>')
    .description("set a user's password (ends their sessions)")
    .option('--password-stdin', 'read the password from standard input')
    .option('--data <dir>', 'data directory')
    .action(async (login: string, opts) => {
      const password = await readPassword(opts.passwordStdin);
      await withRuntime(opts, async ({ services }) => {
        await services.accounts.setPassword(login, password, 'cli');
        process.stdout.write(`password changed for ${login}\n`);
      });
    });

  const flags = [
    ['suspend', 'suspend a user: their sessions and tokens stop working at once', 'suspended'],
    ['unsuspend', 'lift a suspension', 'unsuspended'],
    ['promote', 'make a user a site administrator', 'promoted'],
    ['demote', 'remove site administration rights', 'demoted'],
  ] as const;
  for (const [name, description, done] of flags) {
    user
      .command(`${name} <username>`)
      .description(description)
      .option('--data <dir>', 'data directory')
      .action(async (login: string, opts) => {
        await withRuntime(opts, async ({ services }) => {
          await services.accounts[name](login, 'cli');
          process.stdout.write(`${done} ${login}\n`);
        });
      });
  }

  user
    .command('delete <username>')
    .description("delete a user with their sessions and tokens (refused while they own repositories or are an organization's last owner)")
    .option('--data <dir>', 'data directory')
    .action(async (login: string, opts) => {
      await withRuntime(opts, async ({ services }) => {
        await services.accounts.deleteUser(login, 'cli');
        process.stdout.write(`deleted user ${login}\n`);
      });
    });

  program
    .command('audit')
    .description('show the audit log, newest first')
    .option('--user <username>', 'events where the user is the actor or the owner of what was acted on')
    .option('--limit <n>', 'how many events', '50')
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      await withRuntime(opts, async ({ services }) => {
        const userId = opts.user ? (await services.accounts.getUser(opts.user)).id : undefined;
        const limit = Number.parseInt(opts.limit, 10);
        const events = await services.audit.list(services.db, { userId, limit: Number.isFinite(limit) && limit > 0 ? limit : 50 });
        printList(events.map(presentAuditEvent), !!opts.json, ['id', 'created_at', 'action', 'actor', 'user', 'ip', 'count']);
      });
    });

}
