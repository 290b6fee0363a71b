import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/server.js';
import { api, type RequestError, userWithToken } from './support.js';

let server: TestServer;
let owner: string;
let token: string;
let octokit: Awaited<ReturnType<typeof userWithToken>>['octokit'];
const work = makeTempDir('gitgate-work-');

const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: work,
    env: { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' },
  }).toString();

before(async () => {
  server = await startTestServer();
  const setup = await userWithToken(server, ['repo']);
  owner = setup.user.login;
  token = setup.token;
  octokit = setup.octokit;
  await server.services.repos.create(SYSTEM, owner, { name: 'code', private: true });
  await server.services.repos.create(SYSTEM, owner, { name: 'empty' });
  // A real push, straight into the bare repository on disk.
  git('init', '--quiet', '--initial-branch=main');
  fs.writeFileSync(path.join(work, 'README.md'), '# Code\n');
  git('add', '.');
  git('commit', '--quiet', '-m', 'first');
  fs.mkdirSync(path.join(work, 'src'));
  fs.writeFileSync(path.join(work, 'src', 'main.ts'), 'console.log("hi");\n');
  git('add', '.');
  git('commit', '--quiet', '-m', 'second');
  fs.writeFileSync(path.join(work, 'data.bin'), Buffer.from([0, 1, 2, 255]));
  git('add', '.');
  git('commit', '--quiet', '-m', 'third\n\nwith a body');
  git('branch', 'feature', 'HEAD~2');
  git('push', '--quiet', server.services.repos.storage.pathOf(owner, 'code'), 'main', 'feature');
});
after(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('branches list every pushed branch, and one branch carries its head commit', async () => {
  const branches = await octokit.rest.repos.listBranches({ owner, repo: 'code' });
  assert.deepEqual(branches.data.map((b) => b.name), ['feature', 'main']);
  const main = await octokit.rest.repos.getBranch({ owner, repo: 'code', branch: 'main' });
  assert.equal(main.data.commit.sha, git('rev-parse', 'main').trim());
  assert.equal(main.data.commit.commit.message, 'third\n\nwith a body');
});

test('commits are paged newest first and follow the sha parameter', async () => {
  const first = await octokit.rest.repos.listCommits({ owner, repo: 'code', per_page: 2 });
  assert.deepEqual(first.data.map((c) => c.commit.message.split('\n')[0]), ['third', 'second']);
  assert.match(first.headers.link ?? '', /page=2>; rel="next"/);
  const all = await octokit.paginate(octokit.rest.repos.listCommits, { owner, repo: 'code', per_page: 2 });
  assert.equal(all.length, 3);
  assert.deepEqual(all[2]!.parents, []);
  const feature = await octokit.rest.repos.listCommits({ owner, repo: 'code', sha: 'feature' });
  assert.deepEqual(feature.data.map((c) => c.commit.message), ['first']);
});

test('contents answer a file in base64, a directory as a listing, and raw bytes on request', async () => {
  const file = await octokit.rest.repos.getContent({ owner, repo: 'code', path: 'src/main.ts' });
  assert.ok(!Array.isArray(file.data) && file.data.type === 'file');
  assert.equal(Buffer.from((file.data as { content: string }).content, 'base64').toString(), 'console.log("hi");\n');

  const root = await octokit.rest.repos.getContent({ owner, repo: 'code', path: '' });
  assert.ok(Array.isArray(root.data));
  assert.deepEqual(root.data.map((e) => [e.name, e.type]), [['README.md', 'file'], ['data.bin', 'file'], ['src', 'dir']]);

  const old = await octokit.rest.repos.getContent({ owner, repo: 'code', path: '', ref: 'feature' });
  assert.deepEqual((old.data as { name: string }[]).map((e) => e.name), ['README.md']);

  const raw = await api(server, `/repos/${owner}/code/contents/data.bin`, { token, headers: { Accept: 'application/vnd.github.raw' } });
  assert.equal(raw.status, 200);
  assert.deepEqual([...new Uint8Array(await raw.arrayBuffer())], [0, 1, 2, 255]);

  await assert.rejects(octokit.rest.repos.getContent({ owner, repo: 'code', path: 'nope.txt' }), (e: RequestError) => e.status === 404);
  await assert.rejects(octokit.rest.repos.getContent({ owner, repo: 'code', path: 'README.md', ref: 'no-such-ref' }), (e: RequestError) => e.status === 404);
});

test('the readme is found at the root of the default branch', async () => {
  const readme = await octokit.rest.repos.getReadme({ owner, repo: 'code' });
  assert.equal(readme.data.name, 'README.md');
  assert.equal(Buffer.from(readme.data.content, 'base64').toString(), '# Code\n');
});

test('tarball and zipball are streamed with 200 from git archive', async () => {
  const tar = await api(server, `/repos/${owner}/code/tarball/main`, { token });
  assert.equal(tar.status, 200);
  assert.equal(tar.headers.get('content-type'), 'application/x-gzip');
  const tarBytes = Buffer.from(await tar.arrayBuffer());
  assert.deepEqual([...tarBytes.subarray(0, 2)], [0x1f, 0x8b]);
  const listing = execFileSync('tar', ['-tz'], { input: tarBytes }).toString();
  const short = git('rev-parse', '--short=7', 'main').trim();
  assert.match(listing, new RegExp(`^${owner}-code-${short}/src/main.ts$`, 'm'));

  const zip = await octokit.rest.repos.downloadZipballArchive({ owner, repo: 'code', ref: 'feature' });
  assert.equal(zip.status, 200);
  assert.equal(Buffer.from(zip.data as ArrayBuffer).subarray(0, 4).toString('latin1'), 'PK\x03\x04');
});

test('an empty repository answers GitHub\'s empty-repository errors', async () => {
  const contents = await api(server, `/repos/${owner}/empty/contents/`, { token });
  assert.equal(contents.status, 404);
  assert.equal(((await contents.json()) as { message: string }).message, 'This repository is empty.');
  const commits = await api(server, `/repos/${owner}/empty/commits`, { token });
  assert.equal(commits.status, 409);
  const branches = await octokit.rest.repos.listBranches({ owner, repo: 'empty' });
  assert.deepEqual(branches.data, []);
});

test('a branch whose name holds a slash is found encoded and unencoded, and its archives are streamed', async () => {
  await server.services.repos.create(SYSTEM, owner, { name: 'slashes', private: true });
  git('push', '--quiet', server.services.repos.storage.pathOf(owner, 'slashes'), 'main', 'HEAD~1:refs/heads/feature/login');
  const sha = git('rev-parse', 'main~1').trim();

  // Octokit sends the name encoded (feature%2Flogin); curl users type it as it is.
  const encoded = await octokit.rest.repos.getBranch({ owner, repo: 'slashes', branch: 'feature/login' });
  assert.equal(encoded.data.name, 'feature/login');
  assert.equal(encoded.data.commit.sha, sha);
  const plain = await api(server, `/repos/${owner}/slashes/branches/feature/login`, { token });
  assert.equal(plain.status, 200);
  const body = (await plain.json()) as { name: string; commit: { sha: string } };
  assert.deepEqual([body.name, body.commit.sha], ['feature/login', sha]);
  assert.equal((await api(server, `/repos/${owner}/slashes/branches/feature/nope`, { token })).status, 404);

  const short = sha.slice(0, 7);
  for (const ref of ['feature/login', 'feature%2Flogin', 'refs/heads/feature/login']) {
    const tar = await api(server, `/repos/${owner}/slashes/tarball/${ref}`, { token });
    assert.equal(tar.status, 200, ref);
    const listing = execFileSync('tar', ['-tz'], { input: Buffer.from(await tar.arrayBuffer()) }).toString();
    assert.match(listing, new RegExp(`^${owner}-slashes-${short}/src/main.ts$`, 'm'), ref);
    assert.doesNotMatch(listing, /data\.bin/, ref);
  }
  const zip = await octokit.rest.repos.downloadZipballArchive({ owner, repo: 'slashes', ref: 'feature/login' });
  assert.equal(Buffer.from(zip.data as ArrayBuffer).subarray(0, 4).toString('latin1'), 'PK\x03\x04');

  // A ref is never an option to git, however it is spelled.
  for (const ref of ['--output=x', '-h', 'feature/--help', '%2D%2Doutput%3Dx']) {
    assert.equal((await api(server, `/repos/${owner}/slashes/tarball/${ref}`, { token })).status, 404, ref);
  }
  assert.equal((await api(server, `/repos/${owner}/slashes/branches/--all`, { token })).status, 404);
});
