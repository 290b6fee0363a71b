import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { type QuarantinePack, quarantineHoldsOnly, watchQuarantinePacks } from '../../src/git/quarantine-packs.js';
import { createGitClient } from '../git/git-client.js';
import { linearHistory } from '../git/fast-import.js';
import { tempDirs } from '../helpers/server.js';

const git = createGitClient();
const tempDir = tempDirs('gitgate-quarantine-', after);
after(() => git.cleanup());

test('the watcher reports the pack index-pack completes in the quarantine the hook then sees', async () => {
  const root = tempDir();
  const source = path.join(root, 'source.git');
  const target = path.join(root, 'target.git');
  const hooks = path.join(root, 'hooks');
  const seenByHook = path.join(root, 'seen-by-hook');
  await git.ok(['init', '--quiet', '--bare', source]);
  await git.ok(['init', '--quiet', '--bare', target]);
  // 80 commits of 3 objects each: more than receive.unpackLimit (100), so index-pack keeps a pack.
  await git.ok(['fast-import', '--quiet'], { cwd: source, input: linearHistory(80) });
  fs.mkdirSync(hooks);
  // The pack folder is looked at every few milliseconds: the hook holds the complete pack in place
  // for longer than that (a real push's connectivity walk takes tens of milliseconds).
  fs.writeFileSync(path.join(hooks, 'pre-receive'), `#!/bin/sh\nprintf '%s' "$GIT_QUARANTINE_PATH" > '${seenByHook}'\nsleep 0.2\n`, { mode: 0o755 });

  const found: QuarantinePack[] = [];
  const watcher = watchQuarantinePacks(target, (pack) => found.push(pack));
  try {
    await git.ok(['push', '--quiet', '--receive-pack', `git -c core.hooksPath=${hooks} receive-pack`, target, 'main:main'], { cwd: source });
  } finally {
    watcher.close();
  }
  assert.equal(found.length, 1, 'one pack, reported once');
  assert.equal(path.resolve(found[0]!.quarantine), path.resolve(fs.readFileSync(seenByHook, 'utf8')));
  assert.match(found[0]!.pack, /^pack-[0-9a-f]{40}$/);
  assert.equal(fs.existsSync(found[0]!.quarantine), false, 'the quarantine is gone once the push is done');
});

test('a quarantine counts as scanned only while it holds that one pack and nothing else', async () => {
  const quarantine = tempDir();
  const pack = `pack-${'a'.repeat(40)}`;
  fs.mkdirSync(path.join(quarantine, 'pack'));
  for (const ext of ['pack', 'keep', 'idx']) fs.writeFileSync(path.join(quarantine, 'pack', `${pack}.${ext}`), '');
  assert.equal(await quarantineHoldsOnly(quarantine, pack), true);
  assert.equal(await quarantineHoldsOnly(quarantine, `pack-${'b'.repeat(40)}`), false, 'another pack');
  fs.writeFileSync(path.join(quarantine, 'pack', `pack-${'c'.repeat(40)}.pack`), '');
  assert.equal(await quarantineHoldsOnly(quarantine, pack), false, 'a second pack');
  fs.rmSync(path.join(quarantine, 'pack', `pack-${'c'.repeat(40)}.pack`));
  fs.mkdirSync(path.join(quarantine, 'ab'));
  fs.writeFileSync(path.join(quarantine, 'ab', 'cdef'), '');
  assert.equal(await quarantineHoldsOnly(quarantine, pack), false, 'a loose object');
  assert.equal(await quarantineHoldsOnly(path.join(quarantine, 'missing'), pack), false, 'no quarantine at all');
});
