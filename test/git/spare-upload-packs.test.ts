import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { createPacketReader } from '../../src/git/pkt-line.js';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { ageRefFiles, type GitClient, withAliceOnServer } from './git-client.js';
import { processesUsing } from './git-processes.js';
import { waitFor } from '../helpers/eventually.js';
import { postUploadPack, v2Fetch } from './upload-pack-client.js';

// Spare git upload-packs for repositories whose fetches keep missing the pack answer cache
// (src/git/spare-upload-packs.ts): what a client gets must be what a fresh git would answer.

let server: TestServer;
let git: GitClient;
let token: string;
const serverDir = (name: string) => server.services.repos.storage.pathOf('alice', name);
const postFetch = (name: string, body: Buffer) => postUploadPack(server.url, name, token, body);
const tipOf = async (dir: string, ref = 'main') => (await git.ok(['rev-parse', ref], { cwd: dir })).stdout.trim();

withAliceOnServer({}, async (fixture) => {
  ({ server, git, token } = fixture);
});

async function repoWithHistory(name: string, prefix = 'commit') {
  await server.services.repos.create(SYSTEM, 'alice', { name });
  await git.ok(['fast-import', '--quiet'], { cwd: serverDir(name), input: linearHistory(20, 'refs/heads/main', prefix) });
  ageRefFiles(serverDir(name));
}

/** A fetch of main's tip by a client that has `have` (a different request each time: a miss). */
async function fetchTip(name: string, have: string) {
  const tip = await tipOf(serverDir(name));
  const answer = await postFetch(name, v2Fetch([`want ${tip}\n`, `have ${have}\n`, 'no-progress\n', 'done\n']));
  assert.equal(answer.status, 200);
  return answer;
}

/** The repository's spare: a git waiting in it whose stdout is a file of the cache. */
async function spareIn(name: string): Promise<{ pid: number; output: string } | null> {
  const found = await waitFor(() => processesUsing(serverDir(name)).length > 0, 5000);
  if (!found) return null;
  const [spare, ...others] = processesUsing(serverDir(name));
  assert.equal(others.length, 0, 'one spare per repository');
  assert.match(spare!.cmdline, /upload-pack --stateless-rpc/);
  return { pid: spare!.pid, output: fs.readlinkSync(`/proc/${spare!.pid}/fd/1`) };
}

/** The commits of main in repository `dir`, oldest first. */
async function commitsIn(dir: string) {
  return (await git.ok(['rev-list', '--reverse', 'main'], { cwd: dir })).stdout.trim().split('\n');
}

/** The object ids of the pack in a v2 fetch answer (its sideband 1 after `packfile`), as `git index-pack` reads it. */
async function packedObjects(answer: Buffer): Promise<string[]> {
  const pack: Buffer[] = [];
  let inPack = false;
  createPacketReader((packet) => {
    if (packet.type !== 'data') return !inPack;
    if (inPack && packet.payload[0] === 1) pack.push(packet.payload.subarray(1));
    inPack ||= packet.payload.toString('latin1') === 'packfile\n';
    return true;
  }).feed(answer);
  const file = path.join(git.home, `answer-${Date.now()}.pack`);
  fs.writeFileSync(file, Buffer.concat(pack));
  await git.ok(['index-pack', file], { cwd: git.home, env: { GIT_DIR: path.join(git.home, 'scratch.git') } });
  const listed = (await git.ok(['show-index'], { cwd: git.home, input: fs.readFileSync(file.replace(/\.pack$/, '.idx')) })).stdout;
  return listed
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[1]!);
}

describe('spare upload-packs', () => {
  test('a repository fetched with misses gets a spare after its second, which answers the next fetch with what was pushed meanwhile', async () => {
    await repoWithHistory('busy');
    const commits = await commitsIn(serverDir('busy'));
    await fetchTip('busy', commits[0]!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(processesUsing(serverDir('busy')).length, 0, 'no spare after one miss');
    await fetchTip('busy', commits[1]!);
    const spare = await spareIn('busy');
    assert.ok(spare, 'a spare waits after the second miss');

    // New commits and a moved ref after the spare started: it must answer about them.
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir('busy'), input: linearHistory(3, 'refs/heads/next', 'later') });
    ageRefFiles(serverDir('busy'));
    const next = await tipOf(serverDir('busy'), 'next');
    const answer = await postFetch('busy', v2Fetch([`want ${next}\n`, 'no-progress\n', 'done\n']));
    assert.equal(answer.status, 200);
    assert.ok((await packedObjects(answer.body)).includes(next), 'the new commit is in the answer');
    assert.equal(fs.readFileSync(spare.output).compare(answer.body), 0, 'the spare wrote it: its file is the answer kept');
    const replacement = await spareIn('busy');
    assert.ok(replacement && replacement.pid !== spare.pid, 'a used spare is replaced');
  });

  test('a spare is not used once its repository was renamed away and another took the name, nor after a configuration change', async () => {
    await repoWithHistory('moving');
    const first = await commitsIn(serverDir('moving'));
    await fetchTip('moving', first[0]!);
    await fetchTip('moving', first[1]!);
    const spare = await spareIn('moving');
    assert.ok(spare);
    const { repo: moving } = await server.services.repos.authorize(SYSTEM, 'alice', 'moving', 'admin');
    await server.services.repos.update(SYSTEM, moving, { name: 'moved' });
    await repoWithHistory('moving', 'other');
    const other = await commitsIn(serverDir('moving'));
    const answer = await fetchTip('moving', other[0]!);
    assert.ok((await packedObjects(answer.body)).includes(other.at(-1)!), 'the repository now at the name answers');
    assert.equal(fs.existsSync(spare.output), false, "the spare in the old directory did not answer; its file is gone");

    await fetchTip('moving', other[1]!);
    const configured = await spareIn('moving');
    assert.ok(configured);
    await git.ok(['config', 'uploadpack.allowFilter', 'false'], { cwd: serverDir('moving') });
    await fetchTip('moving', other[2]!);
    assert.equal(fs.existsSync(configured.output), false, 'a spare started under the old configuration does not answer');
  });

  test('spares stop with the server', async () => {
    const own = await startTestServer();
    try {
      const dir = own.services.repos.storage.pathOf('alice', 'alone');
      const alice = await createUser(own, { login: 'alice' });
      const { token: ownToken } = await createToken(own, alice, { scopes: ['repo'] });
      await own.services.repos.create(SYSTEM, 'alice', { name: 'alone' });
      await git.ok(['fast-import', '--quiet'], { cwd: dir, input: linearHistory(5) });
      ageRefFiles(dir);
      const commits = await commitsIn(dir);
      for (const have of commits.slice(0, 2)) {
        const answer = await postUploadPack(own.url, 'alone', ownToken, v2Fetch([`want ${commits.at(-1)}\n`, `have ${have}\n`, 'done\n']));
        assert.equal(answer.status, 200);
      }
      assert.ok(await waitFor(() => processesUsing(dir).length === 1, 5000), 'a spare waits');
      await own.close();
      assert.ok(await waitFor(() => processesUsing(dir).length === 0, 5000), `left behind: ${JSON.stringify(processesUsing(dir))}`);
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
