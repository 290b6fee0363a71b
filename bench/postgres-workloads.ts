import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { CONNECTIONS, type LoadResult, load, measure, userUrl } from './api-workloads.js';
import { BENCH_USER, cli, type GitgateServer, gitgateEnv, startGitgate } from './gitgate-process.js';
import { makeRow, notMeasured, type Row } from './report.js';

const GROUP = 'postgres (issue 16)';

/** Sums two loads run at the same time (one per instance). */
function combine(a: LoadResult, b: LoadResult): LoadResult {
  const statuses: Record<string, number> = { ...a.statuses };
  for (const [code, count] of Object.entries(b.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return { rps: a.rps + b.rps, p50: Math.max(a.p50, b.p50), p99: Math.max(a.p99, b.p99), statuses, errors: a.errors + b.errors };
}

/**
 * Authenticated API throughput on SQLite and on PostgreSQL side by side, then 1 against 2 Gitgate
 * instances sharing the PostgreSQL database, when GITGATE_TEST_DATABASE_URL names a server the
 * bench may create a database on. With 2 cores shared by the load generator, two instances can
 * at best trade the idle time of one for the other: the figure says what this machine allows.
 */
export async function postgresRows(options: { work: string; sqlite: { url: string; token: string } | null }): Promise<Row[]> {
  const adminUrl = process.env.GITGATE_TEST_DATABASE_URL;
  const names = ['GET /api/v3/user: PostgreSQL vs SQLite', 'GET /api/v3/user on PostgreSQL: 2 instances vs 1'];
  if (!adminUrl) return names.map((name) => notMeasured(GROUP, name, '', null, 'GITGATE_TEST_DATABASE_URL is not set (scripts/start-test-postgres.sh starts one)'));

  const database = `gitgate_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const servers: GitgateServer[] = [];
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const dataDir = path.join(options.work, 'pg-data');
    fs.mkdirSync(dataDir, { recursive: true });
    const env = gitgateEnv({ GITGATE_DATABASE_URL: url.toString() });
    await cli(['user', 'create', BENCH_USER, '--email', 'bench@example.com', '--password-stdin', '--data', dataDir], env, 'correct horse battery staple\n');
    const token = (await cli(['token', 'create', '--user', BENCH_USER, '--note', 'bench', '--scopes', 'repo', '--expires', 'never', '--data', dataDir], env)).trim();
    const auth = { authorization: `token ${token}` };

    const a = await startGitgate(dataDir, env);
    servers.push(a);
    const rows: Row[] = [];
    const pgOne = await measure('PostgreSQL, 1 instance', (seconds) => load(userUrl(a.url), { headers: auth, seconds }));
    if (options.sqlite) {
      const sqliteAuth = { authorization: `token ${options.sqlite.token}` };
      const sqlite = await measure('SQLite, 1 instance', (seconds) => load(userUrl(options.sqlite!.url), { headers: sqliteAuth, seconds }));
      rows.push(makeRow({ group: GROUP, workload: names[0]!, unit: 'req/s', gitgate: pgOne.rps, baseline: sqlite.rps, baselineName: 'SQLite', target: null, extra: { postgres: pgOne, sqlite } }));
    } else {
      rows.push(notMeasured(GROUP, names[0]!, 'SQLite', null, 'no SQLite server was running'));
    }

    const b = await startGitgate(dataDir, env);
    servers.push(b);
    const half = Math.floor(CONNECTIONS / 2);
    const two = await measure('PostgreSQL, 2 instances', async (seconds) => {
      const [ra, rb] = await Promise.all([load(userUrl(a.url), { headers: auth, connections: half, seconds }), load(userUrl(b.url), { headers: auth, connections: half, seconds })]);
      return combine(ra, rb);
    });
    rows.push(
      makeRow({
        group: GROUP,
        workload: names[1]!,
        unit: 'req/s',
        gitgate: two.rps,
        baseline: pgOne.rps,
        baselineName: '1 instance',
        target: null,
        note: '2 cores shared by PostgreSQL, both instances and the load generator',
        extra: { one: pgOne, two },
      }),
    );
    return rows;
  } finally {
    for (const server of servers) await server.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
    await admin.end();
  }
}
