import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { bundleAllRefs } from '../../src/git/bundle.js';
import { createGitClient } from './git-client.js';

const client = createGitClient();
after(() => client.cleanup());

test('a bundle made while pushes land holds every branch: git alone leaves out a ref that moves while it writes', async () => {
  const dir = client.home;
  const repo = path.join(dir, 'served.git');
  const work = path.join(dir, 'work');
  await client.ok(['init', '--quiet', '--bare', repo]);
  await client.ok(['init', '--quiet', work]);
  await client.ok(['commit', '--quiet', '--allow-empty', '-m', 'first'], { cwd: work });
  await client.ok(['push', '--quiet', repo, 'HEAD:refs/heads/main', 'HEAD:refs/heads/other'], { cwd: work });

  // Pushes land on both branches in turn while the bundles are written.
  let pushing = true;
  let pushes = 0;
  const pusher = (async () => {
    while (pushing) {
      await client.ok(['commit', '--quiet', '--allow-empty', '-m', `push ${pushes}`], { cwd: work });
      await client.ok(['push', '--quiet', repo, `HEAD:refs/heads/${pushes % 2 ? 'other' : 'main'}`], { cwd: work });
      pushes += 1;
    }
  })();
  try {
    for (let i = 0; i < 150; i++) {
      const file = path.join(dir, 'bundles', `${i}.bundle`);
      assert.equal(await bundleAllRefs(repo, file), 2, 'two refs besides HEAD');
      const heads = execFileSync('git', ['bundle', 'list-heads', file], { cwd: repo }).toString();
      assert.match(heads, / refs\/heads\/main$/m, `bundle ${i} holds main`);
      assert.match(heads, / refs\/heads\/other$/m, `bundle ${i} holds other`);
    }
  } finally {
    pushing = false;
    await pusher;
  }
  assert.ok(pushes > 10, `pushes landed meanwhile (${pushes})`);
});

test('a repository without refs gives no bundle', async () => {
  const repo = path.join(client.home, 'empty.git');
  await client.ok(['init', '--quiet', '--bare', repo]);
  assert.equal(await bundleAllRefs(repo, path.join(client.home, 'none', 'empty.bundle')), 0);
  assert.throws(() => execFileSync('git', ['bundle', 'list-heads', path.join(client.home, 'none', 'empty.bundle')], { stdio: 'ignore' }));
});
