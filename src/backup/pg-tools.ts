import { spawn } from 'node:child_process';
import { GitgateError } from '../lib/errors.js';

/**
 * Runs pg_dump / pg_restore against a postgres:// URL. The password travels in PGPASSWORD, never
 * on the command line (where every local user could read it in `ps`).
 */
export async function runPgTool(tool: 'pg_dump' | 'pg_restore', databaseUrl: string, args: string[]): Promise<void> {
  const url = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  url.password = '';
  const child = spawn(tool, [...args, `--dbname=${url.toString()}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve(status ?? 1));
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new GitgateError(
        'invalid',
        'pg_tool_missing',
        `${tool} is not installed: install the PostgreSQL client tools of your server's version (Debian: apt-get install postgresql-client)`,
      );
    }
    throw error;
  });
  if (code !== 0) {
    const detail = stderr.trim().split('\n').slice(-3).join(' / ');
    throw new GitgateError('invalid', 'pg_tool_failed', `${tool} failed (exit ${code}): ${detail}`);
  }
}
