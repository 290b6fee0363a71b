import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrations.js';
import { DatabaseOpenError } from '../db/open-database.js';
import { isGitgateError, messageOf } from '../lib/errors.js';
import { StartupError } from '../startup-error.js';
import { VERSION } from '../version.js';
import { withRuntime } from './context.js';
import { registerBackupCommands } from './backup-commands.js';
import { registerCertCommands } from './cert-commands.js';
import { registerRepoCommands } from './repo-commands.js';
import { registerTokenCommands } from './token-commands.js';
import { registerUserCommands } from './user-commands.js';

export function buildProgram(): Command {
  const program = new Command('gitgate')
    .description('A self-hosted Git server built around personal access tokens')
    .version(VERSION)
    .showHelpAfterError(false);

  program
    .command('serve')
    .description('start the server')
    .addOption(new Option('--host <host>', 'address to listen on (GITGATE_HOST, default 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'port to listen on (GITGATE_PORT, default 3000)'))
    .addOption(new Option('--data <dir>', 'data directory (GITGATE_DATA, default ./data)'))
    .addOption(new Option('--base-url <url>', 'public URL used in links and clone URLs (GITGATE_BASE_URL)'))
    .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this certificate (GITGATE_TLS_CERT)'))
    .addOption(new Option('--tls-key <file>', 'the certificate key (GITGATE_TLS_KEY)'))
    .addOption(new Option('--trust-proxy', 'honour X-Forwarded-* headers (GITGATE_TRUST_PROXY)'))
    .action(async (opts) => {
      const config = loadConfig(opts);
      // The HTTP stack loads only for `serve`: other commands start fast.
      const { startServer } = await import('../server.js');
      const server = await startServer(config);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('apply pending database migrations (serve also does this at start)')
    .option('--data <dir>', 'data directory')
    .action(async (opts) => {
      // Not migrated on opening: this command migrates, and says what it applied.
      await withRuntime({ data: opts.data, migrate: false }, async ({ database }) => {
        const applied = await migrateToLatest(database.db, database.dialect);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
      });
    });

  registerUserCommands(program);
  registerTokenCommands(program);
  registerRepoCommands(program);
  registerBackupCommands(program);
  registerCertCommands(program);
  return program;
}

/** Exit codes: 0 success, 1 a clear one-line error, 2 a usage error. No stack trace unless GITGATE_DEBUG=1. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  for (const command of program.commands) applyExitOverride(command);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

function applyExitOverride(command: Command) {
  command.exitOverride();
  for (const sub of command.commands) applyExitOverride(sub);
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed the usage problem.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2;
  }
  if (process.env.GITGATE_DEBUG === '1') process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`error: ${problem}\n`);
    return 1;
  }
  if (isGitgateError(error) || error instanceof StartupError || error instanceof DatabaseOpenError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${messageOf(error).split('\n')[0]}\n`);
  return 1;
}
