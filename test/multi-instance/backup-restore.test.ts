import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { copyRepositories, snapshotDatabase } from '../../src/backup/create-backup.js';
import { openDatabase } from '../../src/db/open-database.js';
import { systemClock } from '../../src/lib/clock.js';
import { makeTempDir } from '../db/engines.js';
import { runGitgate } from '../helpers/cli.js';
import { createThrowawayDatabase, postgresSkipReason, requirePostgresUrl, type ThrowawayDatabase } from '../helpers/postgres.js';
import { basic, git, infoRefs, type Instance, startInstance } from './instances.js';

/** Temporary directories and throwaway PostgreSQL databases, removed after the test. */
function fixtures(t: TestContext, engine: 'sqlite' | 'postgres') {
  const cleanups: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const temp = (prefix: string) => {
    const dir = makeTempDir(prefix);
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const database = async (): Promise<ThrowawayDatabase | null> => {
    if (engine === 'sqlite') return null;
    requirePostgresUrl();
    const db = await createThrowawayDatabase();
    cleanups.push(() => db.drop());
    return db;
  };
  return { cleanups, temp, database };
}

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = engine === 'postgres' ? postgresSkipReason() : null;
  test(`backs up a running server under pushes and restores it into a fresh one where the same token clones [${engine}]`, { skip: skip ?? false }, async (t) => {
    const { cleanups, temp, database } = fixtures(t, engine);
    const start = async (dataDir: string, env: Record<string, string>) => {
      const instance = await startInstance(dataDir, env);
      cleanups.push(() => instance.stop());
      return instance;
    };

    // On PostgreSQL the key comes from the environment (as several instances need); on SQLite from DATA/secret.key.
    const keyEnv: Record<string, string> = engine === 'postgres' ? { GITGATE_SECRET_KEY: randomBytes(32).toString('hex') } : {};
    const source = await database();
    const sourceEnv = { ...keyEnv, ...(source ? { GITGATE_DATABASE_URL: source.url } : {}) };
    const dataDir = temp('gitgate-backup-src-');
    const server = await start(dataDir, sourceEnv);
    const cli = (args: string[], env: Record<string, string>, stdin?: string) => runGitgate(args, { env, stdin });
    assert.equal((await cli(['user', 'create', 'mona', '--email', 'm@example.com', '--password-stdin', '--data', dataDir], sourceEnv, 'correct horse battery staple\n')).code, 0);
    assert.equal((await cli(['repo', 'create', 'mona/app', '--private', '--data', dataDir], sourceEnv)).code, 0);
    assert.equal((await cli(['repo', 'create', 'mona/empty', '--data', dataDir], sourceEnv)).code, 0);
    const token = (await cli(['token', 'create', '--user', 'mona', '--note', 'ci', '--scopes', 'repo', '--data', dataDir], sourceEnv)).stdout.trim();
    const remote = (instance: Instance) => `${instance.url.replace('://', `://x-access-token:${token}@`)}/mona/app.git`;

    const work = temp('gitgate-backup-work-');
    await git(['init', '--quiet', '--initial-branch=main', work]);
    await git(['commit', '--quiet', '--allow-empty', '-m', 'first'], work);
    await git(['push', '--quiet', remote(server), 'main'], work);

    // Pushes keep landing while the backup runs.
    let pushing = true;
    let pushes = 0;
    const pusher = (async () => {
      while (pushing) {
        fs.writeFileSync(path.join(work, 'file.txt'), `${pushes}\n${randomBytes(2048).toString('hex')}\n`);
        await git(['add', '.'], work);
        await git(['commit', '--quiet', '-m', `push ${pushes}`], work);
        await git(['push', '--quiet', remote(server), 'main'], work);
        pushes += 1;
      }
    })();
    while (pushes < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    const backupDir = path.join(temp('gitgate-backup-out-'), 'backup');
    const backup = await cli(['backup', backupDir, '--data', dataDir], sourceEnv);
    pushing = false;
    await pusher;
    assert.equal(backup.code, 0, backup.stderr);
    assert.ok(pushes >= 3, `pushes landed during the backup (${pushes})`);

    const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.engine, engine);
    assert.deepEqual(manifest.repositories.map((r: { name: string }) => r.name).sort(), ['app', 'empty']);
    assert.equal(manifest.secretKey, engine === 'postgres' ? 'environment' : 'file');
    assert.ok(!fs.readFileSync(path.join(backupDir, manifest.database)).includes(token), 'the backup holds no token in clear');

    // A second backup into the same directory is refused.
    const again = await cli(['backup', backupDir, '--data', dataDir], sourceEnv);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);

    const target = await database();
    const targetEnv = { ...keyEnv, ...(target ? { GITGATE_DATABASE_URL: target.url } : {}) };
    const freshDir = temp('gitgate-backup-dst-');
    const restored = await cli(['restore', backupDir, '--data', freshDir], targetEnv);
    assert.equal(restored.code, 0, restored.stderr);
    const twice = await cli(['restore', backupDir, '--data', freshDir], targetEnv);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /not empty/);

    const copy = await start(freshDir, targetEnv);
    assert.equal((await infoRefs(copy.url, 'mona/app', basic('x-access-token', token))).status, 200, 'the same token authenticates');
    assert.equal((await infoRefs(copy.url, 'mona/app')).status, 401, 'the repository is still private');
    const clone = path.join(temp('gitgate-backup-clone-'), 'app');
    await git(['clone', '--quiet', remote(copy), clone]);
    await git(['fsck', '--strict', '--no-progress'], clone);
    const restoredHead = (await git(['rev-parse', 'HEAD'], clone)).stdout.trim();
    // Whatever instant the backup caught, it is a commit the original history contains.
    await git(['merge-base', '--is-ancestor', restoredHead, 'main'], work);
    await git(['fsck', '--strict', '--no-progress'], path.join(freshDir, 'repositories', 'mona', 'app.git'));
  });

  test(`a repository renamed, deleted or created while a backup runs is restored as the database snapshot has it [${engine}]`, { skip: skip ?? false }, async (t) => {
    const { cleanups, temp, database } = fixtures(t, engine);
    const keyEnv: Record<string, string> = engine === 'postgres' ? { GITGATE_SECRET_KEY: randomBytes(32).toString('hex') } : {};
    const source = await database();
    const sourceEnv = { ...keyEnv, ...(source ? { GITGATE_DATABASE_URL: source.url } : {}) };
    const dataDir = temp('gitgate-backup-race-src-');
    const cli = async (args: string[], env: Record<string, string>, stdin?: string) => {
      const result = await runGitgate([...args, '--data', dataDir], { env, stdin });
      assert.equal(result.code, 0, `gitgate ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.trim();
    };
    await cli(['user', 'create', 'mona', '--email', 'm@example.com', '--password-stdin'], sourceEnv, 'correct horse battery staple\n');
    const token = await cli(['token', 'create', '--user', 'mona', '--note', 'ci', '--scopes', 'repo'], sourceEnv);
    const work = temp('gitgate-backup-race-work-');
    await git(['init', '--quiet', '--initial-branch=main', work]);
    await git(['commit', '--quiet', '--allow-empty', '-m', 'kept'], work);
    const commit = (await git(['rev-parse', 'HEAD'], work)).stdout.trim();
    for (const name of ['moved', 'gone']) {
      await cli(['repo', 'create', `mona/${name}`], sourceEnv);
      await git(['push', '--quiet', path.join(dataDir, 'repositories', 'mona', `${name}.git`), 'main'], work);
    }

    const backupDir = path.join(temp('gitgate-backup-race-out-'), 'backup');
    fs.mkdirSync(backupDir);
    const open = await openDatabase({ dataDir, databaseUrl: source?.url ?? null });
    try {
      const options = {
        database: open,
        dataDir,
        databaseUrl: source?.url ?? null,
        secretKeyFromEnvironment: engine === 'postgres',
        targetDir: backupDir,
        clock: systemClock,
      };
      const snapshot = await snapshotDatabase(options);
      // Between the database's snapshot and the repositories' copy:
      await cli(['repo', 'rename', 'mona/moved', 'renamed'], sourceEnv);
      await cli(['repo', 'delete', 'mona/gone'], sourceEnv);
      await cli(['repo', 'create', 'mona/new'], sourceEnv);
      await copyRepositories(options, snapshot);
    } finally {
      await open.close();
    }

    const target = await database();
    const targetEnv = { ...keyEnv, ...(target ? { GITGATE_DATABASE_URL: target.url } : {}) };
    const freshDir = temp('gitgate-backup-race-dst-');
    const restored = await runGitgate(['restore', backupDir, '--data', freshDir], { env: targetEnv });
    assert.equal(restored.code, 0, restored.stderr);
    const copy = await startInstance(freshDir, targetEnv);
    cleanups.push(() => copy.stop());
    const auth = basic('x-access-token', token);
    const clone = path.join(temp('gitgate-backup-race-clone-'), 'moved');
    await git(['clone', '--quiet', `${copy.url.replace('://', `://x-access-token:${token}@`)}/mona/moved.git`, clone]);
    assert.equal((await git(['rev-parse', 'HEAD'], clone)).stdout.trim(), commit, 'renamed after the snapshot: restored under the name the snapshot has, with its commits');
    const gone = await infoRefs(copy.url, 'mona/gone', auth);
    assert.equal(gone.status, 200, 'deleted after the snapshot: the restored database lists it, so it is there (empty)');
    assert.doesNotMatch(await gone.text(), /refs\/heads\/main/);
    assert.equal((await infoRefs(copy.url, 'mona/renamed', auth)).status, 404, 'the name it took after the snapshot is not in the restored database');
    assert.equal((await infoRefs(copy.url, 'mona/new', auth)).status, 404, 'created after the snapshot: not in the backup');
  });
}
