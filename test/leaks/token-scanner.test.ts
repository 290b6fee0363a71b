import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { halfByCost, readCostUs, scanQuarantine, watchForPrefix } from '../../src/git/token-scanner.js';
import { createGitClient } from '../git/git-client.js';
import { processesUsing } from '../git/git-processes.js';

/** The git binary itself, found before any test puts a wrapper in front of it. */
const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
import { tempDirs } from '../helpers/server.js';

const git = createGitClient();
const tempDir = tempDirs('gitgate-scan-', after);
after(() => git.cleanup());

/** Token-shaped strings (the scanner looks at the shape only; liveness is the domain's call). */
const shaped = (n: number) => `ggp_${String(n).padStart(6, '0')}${'A'.repeat(30)}`;
const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;

/**
 * A repository with one commit on main, and a quarantine as receive-pack makes one: a separate
 * object directory holding only the pushed objects, the repository's objects as its alternate.
 */
async function repositoryWithQuarantine() {
  const root = tempDir();
  const repoDir = path.join(root, 'repo.git');
  await git.ok(['init', '--quiet', '--bare', repoDir]);
  const old = `settings\nOLD_TOKEN=${shaped(0)}\n`;
  await git.ok(['fast-import', '--quiet'], {
    cwd: repoDir,
    input: `commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\n${data('start')}M 644 inline old.env\n${data(old)}\n`,
  });
  const quarantine = path.join(repoDir, 'objects', 'incoming-test');
  fs.mkdirSync(path.join(quarantine, 'pack'), { recursive: true });
  const quarantineEnv = {
    GIT_OBJECT_DIRECTORY: quarantine,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(repoDir, 'objects'),
    GIT_QUARANTINE_PATH: quarantine,
  };
  const oldBlob = (await git.ok(['rev-parse', 'main:old.env'], { cwd: repoDir })).stdout.trim();
  return { repoDir, quarantine, quarantineEnv, oldBlob };
}

test('the push scanner finds every token-shaped string in the new blobs with its path and line, also when two readers share a large push', async () => {
  const { repoDir, quarantineEnv, oldBlob } = await repositoryWithQuarantine();
  // 60 files of ~60 KB (past the size at which the blobs are read by two processes at once), each
  // with a token on a line of its own, and one file over the size limit, which is only reported.
  const filler = `${'lorem ipsum dolor sit amet '.repeat(3)}\n`.repeat(750);
  let stream = `commit refs/heads/pushed\ncommitter T <t@example.com> 1700000100 +0000\n${data('many files')}from refs/heads/main\n`;
  for (let i = 1; i <= 60; i++) {
    const text = `${'line\n'.repeat(i)}TOKEN=${shaped(i)}\n${filler}`;
    stream += `M 644 inline dir${i % 4}/file${i}.txt\n${data(text)}`;
  }
  stream += `M 644 inline big/huge.bin\n${data(`${'x'.repeat(200_000)}\n${shaped(99)}\n`)}\n`;
  // fast-import writes into the quarantine (GIT_OBJECT_DIRECTORY); the branch is then removed so
  // that, as during a real pre-receive, no ref reaches the new commit yet.
  await git.ok(['fast-import', '--quiet'], { cwd: repoDir, input: stream, env: { GIT_OBJECT_DIRECTORY: quarantineEnv.GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES: quarantineEnv.GIT_ALTERNATE_OBJECT_DIRECTORIES } });
  await git.ok(['update-ref', '-d', 'refs/heads/pushed'], { cwd: repoDir });
  // A thin pack completed by index-pack also carries objects the repository already has.
  await git.ok(['pack-objects', '--quiet', path.join(quarantineEnv.GIT_OBJECT_DIRECTORY, 'pack', 'pack')], { cwd: repoDir, input: `${oldBlob}\n` });

  const scan = await scanQuarantine({ repoDir, quarantineEnv, maxBlobBytes: 100_000 });
  const found = scan.candidates;
  const skipped = await scan.skipped(Promise.resolve());

  const byToken = new Map(found.map((c) => [c.token, c]));
  assert.equal(found.length, 60, 'one candidate per file, none from the blob the repository already had');
  for (let i = 1; i <= 60; i++) {
    const candidate = byToken.get(shaped(i));
    assert.ok(candidate, `token ${i} found`);
    assert.equal(candidate.path, `dir${i % 4}/file${i}.txt`);
    assert.equal(candidate.line, i + 1);
  }
  assert.equal(byToken.has(shaped(0)), false);
  assert.deepEqual(
    skipped.map((b) => b.path),
    ['big/huge.bin'],
  );
});

test('a large pack of few blob bytes is read by one reader, and the reader started for it beforehand is not left running', async () => {
  const { repoDir, quarantineEnv } = await repositoryWithQuarantine();
  // Incompressible bytes: the quarantine's pack is past the size at which two readers are started
  // beside the listing, while its blobs are well below the size that two readers share.
  const noise = randomBytes(700_000).toString('base64').replace(/ggp_/g, 'xxxx');
  const stream = `commit refs/heads/pushed\ncommitter T <t@example.com> 1700000100 +0000\n${data('noise')}from refs/heads/main\nM 644 inline noise.txt\n${data(`${noise}\nTOKEN=${shaped(7)}\n`)}\n`;
  // As index-pack keeps a push of more than receive.unpackLimit objects: a pack, however few objects.
  await git.ok(['-c', 'fastimport.unpackLimit=0', 'fast-import', '--quiet'], { cwd: repoDir, input: stream, env: { GIT_OBJECT_DIRECTORY: quarantineEnv.GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES: quarantineEnv.GIT_ALTERNATE_OBJECT_DIRECTORIES } });
  await git.ok(['update-ref', '-d', 'refs/heads/pushed'], { cwd: repoDir });
  const packs = fs.readdirSync(path.join(quarantineEnv.GIT_OBJECT_DIRECTORY, 'pack')).filter((name) => name.endsWith('.pack'));
  assert.ok(fs.statSync(path.join(quarantineEnv.GIT_OBJECT_DIRECTORY, 'pack', packs[0]!)).size > 512 * 1024, 'the pack is past 512 KB');

  const scan = await scanQuarantine({ repoDir, quarantineEnv, maxBlobBytes: 10 * 1024 * 1024 });
  assert.deepEqual(
    scan.candidates.map((c) => [c.token, c.path, c.line]),
    [[shaped(7), 'noise.txt', noise.split('\n').length + 1]],
  );
  assert.deepEqual(processesUsing(repoDir), [], 'no git left running in the repository');
});

test('a skipped blob with no candidate beside it gets its path from a walk that waits for the push to end', async (t) => {
  const { repoDir, quarantineEnv } = await repositoryWithQuarantine();
  const stream = `commit refs/heads/pushed\ncommitter T <t@example.com> 1700000100 +0000\n${data('big')}from refs/heads/main\nM 644 inline assets/big.bin\n${data('x'.repeat(200_000))}\n`;
  await git.ok(['fast-import', '--quiet'], { cwd: repoDir, input: stream, env: { GIT_OBJECT_DIRECTORY: quarantineEnv.GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES: quarantineEnv.GIT_ALTERNATE_OBJECT_DIRECTORIES } });
  await git.ok(['update-ref', '-d', 'refs/heads/pushed'], { cwd: repoDir });

  // Which git commands the scan runs, and when: a git first on PATH that notes its command.
  const calls = path.join(tempDir(), 'calls');
  const wrapper = tempDir();
  fs.writeFileSync(path.join(wrapper, 'git'), `#!/bin/sh\necho "$1" >> '${calls}'\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
  const commands = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []);
  const pathBefore = process.env.PATH;
  t.after(() => {
    process.env.PATH = pathBefore;
  });
  process.env.PATH = `${wrapper}:${pathBefore}`;

  const scan = await scanQuarantine({ repoDir, quarantineEnv, maxBlobBytes: 100_000 });
  assert.deepEqual(scan.candidates, []);
  let endPush = () => {};
  const skipped = scan.skipped(new Promise<void>((resolve) => (endPush = resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(commands().includes('cat-file'), `the scan ran git: ${commands().join(', ')}`);
  assert.ok(!commands().includes('rev-list'), 'no walk before the push has ended');
  endPush();
  assert.deepEqual((await skipped).map((b) => [b.path, b.size]), [['assets/big.bin', 200_000]]);
  assert.ok(commands().includes('rev-list'), 'the walk ran once it had');
});

test('the push scanner finds nothing in a quarantine without blobs', async () => {
  const { repoDir, quarantineEnv } = await repositoryWithQuarantine();
  const scan = await scanQuarantine({ repoDir, quarantineEnv, maxBlobBytes: 1024 });
  assert.deepEqual(scan.candidates, []);
});

test('two readers share the reading, not the bytes: a few large blobs and many small ones are cut where each has about half of the work', () => {
  // As in the benchmark's push of 1,000 commits: 8 blobs hold half of the bytes, 2,030 small ones the rest.
  const blobs = [...Array.from({ length: 8 }, () => ({ size: 700_000 })), ...Array.from({ length: 2030 }, () => ({ size: 2_750 }))];
  const total = blobs.reduce((sum, blob) => sum + readCostUs(blob), 0);
  const cut = halfByCost(blobs, total);
  const first = blobs.slice(0, cut).reduce((sum, blob) => sum + readCostUs(blob), 0);
  assert.ok(cut > 8 + 2030 / 4 && cut < 8 + (2030 * 3) / 4, `the small blobs are shared (cut at ${cut})`);
  assert.ok(Math.abs(first * 2 - total) <= 2 * readCostUs({ size: 2_750 }), 'the halves cost the same, within a blob');
  assert.equal(halfByCost([{ size: 10 }, { size: 10 }], 30), 1, 'neither half is empty');
});

test('the token prefix is found in a blob read in pieces, also when the pieces cut it, and not where it is not', () => {
  const seenIn = (...pieces: string[]) => {
    const watch = watchForPrefix();
    for (const piece of pieces) watch.feed(Buffer.from(piece));
    return watch.seen;
  };
  assert.equal(seenIn('TOKEN=ggp_abc'), true, 'in one piece');
  assert.equal(seenIn('TOKEN=gg', 'p_abc'), true, 'cut in two');
  assert.equal(seenIn('xx', 'g', 'g', 'p', '_', 'yy'), true, 'cut into single bytes');
  assert.equal(seenIn('abcdefggp', '_'), true, 'cut before its last byte');
  assert.equal(seenIn('g', 'gpx', '_'), false, 'not there: the seams do not join what is apart');
  assert.equal(seenIn('ggp', 'x', '_abc'), false);
  assert.equal(seenIn(''), false);
});
