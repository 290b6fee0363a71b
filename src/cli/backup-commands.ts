import path from 'node:path';
import type { Command } from 'commander';
import { createBackup } from '../backup/create-backup.js';
import { restoreBackup } from '../backup/restore-backup.js';
import { loadConfig } from '../config.js';
import { systemClock } from '../lib/clock.js';
import { withRuntime } from './context.js';

export function registerBackupCommands(program: Command): void {
  program
    .command('backup <dir>')
    .description('write a consistent copy of the database, repositories and secret key into an empty directory (the server may keep running)')
    .option('--data <dir>', 'data directory')
    .action(async (dir: string, opts) => {
      await withRuntime(opts, async ({ config, database }) => {
        const manifest = await createBackup({
          database,
          dataDir: config.dataDir,
          databaseUrl: config.databaseUrl,
          secretKeyFromEnvironment: config.secretKey !== null,
          targetDir: path.resolve(dir),
          clock: systemClock,
        });
        process.stdout.write(`backed up ${manifest.engine} database and ${manifest.repositories.length} repositories to ${path.resolve(dir)}\n`);
        if (manifest.secretKey === 'environment') {
          process.stdout.write('note: GITGATE_SECRET_KEY is not in the backup: keep it safe separately, tokens need it\n');
        }
      });
    });

  program
    .command('restore <dir>')
    .description('restore a backup into an empty data directory (and, with GITGATE_DATABASE_URL, an empty PostgreSQL database)')
    .option('--data <dir>', 'data directory')
    .action(async (dir: string, opts) => {
      const config = loadConfig({ data: opts.data });
      const result = await restoreBackup({
        backupDir: path.resolve(dir),
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        secretKeyFromEnvironment: config.secretKey !== null,
      });
      process.stdout.write(`restored ${result.manifest.engine} database and ${result.repositories} repositories into ${config.dataDir}\n`);
      for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
    });
}
