import type { Command } from 'commander';
import { SYSTEM } from '../domain/auth/actor.js';
import { GitgateError, notFound } from '../lib/errors.js';
import type { Runtime } from '../runtime.js';
import { withRuntime } from './context.js';
import { printList } from './output.js';
import { presentRepo } from './presenters.js';

function splitFullName(fullName: string): [string, string] {
  const parts = fullName.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new GitgateError('invalid', 'usage', `expected OWNER/NAME, got "${fullName}"`);
  return [parts[0], parts[1]];
}

async function getRepo(runtime: Runtime, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = await runtime.services.repos.store.findByName(owner, name);
  if (!repo) throw notFound('repo_not_found', `repository ${fullName} does not exist`);
  return repo;
}

export function registerRepoCommands(program: Command): void {
  const repo = program.command('repo').description('manage repositories');

  repo
    .command('create <fullName>')
    .description('create a repository OWNER/NAME')
    .option('--private', 'make it private')
    .option('--description <text>', 'description')
    .option('--data <dir>', 'data directory')
    .action(async (fullName: string, opts) => {
      const [owner, name] = splitFullName(fullName);
      await withRuntime(opts, async ({ services }) => {
        const created = await services.repos.create(SYSTEM, owner, { name, description: opts.description, private: !!opts.private });
        process.stdout.write(`created ${created.private ? 'private' : 'public'} repository ${created.fullName}\n`);
      });
    });

  repo
    .command('list')
    .description('list repositories')
    .option('--owner <owner>', 'only this owner')
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      await withRuntime(opts, async ({ services }) => {
        const repos = opts.owner ? await services.repos.listForOwner(SYSTEM, opts.owner) : await services.repos.listAll();
        printList(repos.map(presentRepo), !!opts.json, ['id', 'full_name', 'private', 'description', 'pushed_at']);
      });
    });

  repo
    .command('delete <fullName>')
    .description('delete a repository and its data')
    .option('--data <dir>', 'data directory')
    .action(async (fullName: string, opts) => {
      await withRuntime(opts, async (runtime) => {
        await runtime.services.repos.delete(SYSTEM, await getRepo(runtime, fullName));
        process.stdout.write(`deleted ${fullName}\n`);
      });
    });

  repo
    .command('rename <fullName> <newName>')
    .description('rename a repository (the old URL keeps working for Git until the name is reused)')
    .option('--data <dir>', 'data directory')
    .action(async (fullName: string, newName: string, opts) => {
      await withRuntime(opts, async (runtime) => {
        const updated = await runtime.services.repos.update(SYSTEM, await getRepo(runtime, fullName), { name: newName });
        process.stdout.write(`renamed ${fullName} to ${updated.fullName}\n`);
      });
    });

  repo
    .command('set-visibility <fullName> <visibility>')
    .description('make a repository public or private')
    .option('--data <dir>', 'data directory')
    .action(async (fullName: string, visibility: string, opts) => {
      if (visibility !== 'public' && visibility !== 'private') {
        throw new GitgateError('invalid', 'usage', `visibility must be public or private, got "${visibility}"`);
      }
      await withRuntime(opts, async (runtime) => {
        await runtime.services.repos.update(SYSTEM, await getRepo(runtime, fullName), { private: visibility === 'private' });
        process.stdout.write(`${fullName} is now ${visibility}\n`);
      });
    });

  repo
    .command('add-collaborator <fullName> <username>')
    .description('give a user access to a repository')
    .requiredOption('--permission <permission>', 'read, write or admin')
    .option('--data <dir>', 'data directory')
    .action(async (fullName: string, login: string, opts) => {
      if (!['read', 'write', 'admin'].includes(opts.permission)) {
        throw new GitgateError('invalid', 'usage', `--permission must be read, write or admin, got "${opts.permission}"`);
      }
      await withRuntime(opts, async (runtime) => {
        await runtime.services.repos.setCollaborator(SYSTEM, await getRepo(runtime, fullName), login, opts.permission);
        process.stdout.write(`${login} has ${opts.permission} access to ${fullName}\n`);
      });
    });

  const org = program.command('org').description('manage organizations');
  org
    .command('create <org>')
    .description('create an organization owned by a user')
    .requiredOption('--owner <username>', 'the first owner')
    .option('--data <dir>', 'data directory')
    .action(async (login: string, opts) => {
      await withRuntime(opts, async ({ services }) => {
        const owner = await services.accounts.getUser(opts.owner);
        const created = await services.orgs.create(SYSTEM, login, owner);
        process.stdout.write(`created organization ${created.login} owned by ${owner.login}\n`);
      });
    });
  org
    .command('add-member <org> <username>')
    .description('add a member to an organization, or change their role')
    .option('--role <role>', 'owner or member', 'member')
    .option('--data <dir>', 'data directory')
    .action(async (orgLogin: string, login: string, opts) => {
      if (opts.role !== 'owner' && opts.role !== 'member') throw new GitgateError('invalid', 'usage', `--role must be owner or member, got "${opts.role}"`);
      await withRuntime(opts, async ({ services }) => {
        await services.orgs.setMember(SYSTEM, orgLogin, login, opts.role);
        process.stdout.write(`${login} is now ${opts.role === 'owner' ? 'an owner' : 'a member'} of ${orgLogin}\n`);
      });
    });
  org
    .command('list')
    .description('list organizations')
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      await withRuntime(opts, async ({ services }) => {
        const orgs = await services.accounts.users.list({ type: 'Organization' });
        printList(orgs.map((o) => ({ id: o.id, login: o.login, created_at: `${o.createdAt.slice(0, 19)}Z` })), !!opts.json, ['id', 'login', 'created_at']);
      });
    });
}
