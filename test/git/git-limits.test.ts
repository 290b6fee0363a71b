import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { encodePacket } from '../../src/git/pkt-line.js';
import { assertNoSecretsInLogs, type TestServer } from '../helpers/server.js';
import { type GitClient, repoUrl, withAliceOnServer } from './git-client.js';
import { ownDescriptorsInto, processesUsing, zombieChildren } from './git-processes.js';
import { waitFor } from '../helpers/eventually.js';

const MAX_PUSH_BYTES = 300_000;
const BIG_BLOB_BYTES = 24 * 1024 * 1024;

let server: TestServer;
let git: GitClient;
let token: string;
const url = (name: string) => repoUrl(server.url, `alice/${name}`, { user: 'alice', token });

withAliceOnServer({ env: { GITGATE_MAX_PUSH_BYTES: String(MAX_PUSH_BYTES), GITGATE_AUTH_THROTTLE: '3/5m' } }, (fixture) => {
  ({ server, git, token } = fixture);
});

describe('the maximum push size', () => {
  test('refuses a push larger than GITGATE_MAX_PUSH_BYTES with a clear message and changes nothing', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'limited' });
    const local = path.join(git.home, 'limited');
    await git.ok(['init', '-q', local]);
    fs.writeFileSync(path.join(local, 'noise.bin'), randomBytes(MAX_PUSH_BYTES * 3));
    await git.ok(['add', '.'], { cwd: local });
    await git.ok(['commit', '-q', '-m', 'too big'], { cwd: local });
    const refused = await git.run(['push', url('limited'), 'main'], { cwd: local });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`larger than this server's limit of ${MAX_PUSH_BYTES} bytes`));
    const serverDir = server.services.repos.storage.pathOf('alice', 'limited');
    const refs = await git.run(['for-each-ref'], { cwd: serverDir });
    assert.equal(refs.stdout, '', 'no ref was created');
    assert.ok(await waitFor(() => processesUsing(serverDir).length === 0, 5000), 'the refused receive-pack is gone');

    // A push within the limit goes through afterwards: no lock or quarantine was left behind.
    await git.ok(['reset', '-q', '--hard', 'HEAD'], { cwd: local });
    await git.ok(['rm', '-q', 'noise.bin'], { cwd: local });
    await git.ok(['commit', '-q', '--amend', '--allow-empty', '-m', 'small'], { cwd: local });
    await git.ok(['reflog', 'expire', '--expire=now', '--all'], { cwd: local });
    await git.ok(['gc', '-q', '--prune=now'], { cwd: local });
    await git.ok(['push', '-q', url('limited'), 'main'], { cwd: local });
  });
});

describe('repeated bad tokens', () => {
  test('answers 429 with Retry-After once an address has sent too many bad tokens', async () => {
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 5; i++) {
      last = await fetch(`${server.url}/alice/limited.git/info/refs?service=git-upload-pack`, {
        headers: { authorization: `Basic ${Buffer.from('alice:ggp_000000000000000000000000000000000000').toString('base64')}` },
      });
      statuses.push(last.status);
      await last.text();
    }
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429, `statuses: ${statuses}`);
    assert.match(last!.headers.get('retry-after') ?? '', /^\d+$/);
  });
});

describe('clients that go away', () => {
  let serverDir: string;
  let head: string;

  before(async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'big' });
    serverDir = server.services.repos.storage.pathOf('alice', 'big');
    // Written straight into the bare repository: a pack large enough to stall on a client that stops reading.
    const blob = randomBytes(BIG_BLOB_BYTES);
    const stream = Buffer.concat([
      Buffer.from(`blob\nmark :1\ndata ${blob.length}\n`),
      blob,
      Buffer.from('\ncommit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 4\nbig\nM 644 :1 big.bin\n'),
    ]);
    await git.ok(['fast-import', '--quiet'], { cwd: serverDir, input: stream });
    head = (await git.ok(['rev-parse', 'main'], { cwd: serverDir })).stdout.trim();
  });

  async function assertNothingLeft() {
    const gone = await waitFor(() => processesUsing(serverDir).length === 0, 8000);
    assert.ok(gone, `git processes left behind: ${JSON.stringify(processesUsing(serverDir))}`);
    // An exited child stays a zombie only until Node's event loop reaps it.
    assert.ok(await waitFor(() => zombieChildren().length === 0, 5000), `zombie children: ${zombieChildren()}`);
    assert.deepEqual(ownDescriptorsInto(serverDir), [], 'no descriptor into the repository stays open');
  }

  test('kills the git process of a client that stops reading and disconnects mid-clone', async () => {
    const body = Buffer.concat([encodePacket(`want ${head} ofs-delta\n`), Buffer.from('0000'), encodePacket('done\n')]);
    const target = new URL(`${server.url}/alice/big.git/git-upload-pack`);
    const request = http.request(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-git-upload-pack-request',
        authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}`,
      },
    });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', resolve);
      request.on('error', reject);
      request.end(body);
    });
    assert.equal(response.statusCode, 200);
    response.pause(); // the client stops reading: git blocks on a full pipe
    assert.ok(await waitFor(() => processesUsing(serverDir).length > 0, 5000), 'git is serving the clone');
    request.on('error', () => {});
    request.destroy();
    await assertNothingLeft();
  });

  test('kills the git process of a git clone that is killed mid-transfer', async () => {
    const target = path.join(git.home, 'killed-clone');
    const child = spawn('git', ['clone', '-q', url('big'), target], {
      detached: true, // its own process group, so git-remote-http dies with it
      stdio: 'ignore',
      env: { PATH: process.env.PATH, HOME: git.home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => processesUsing(serverDir).length > 0, 5000);
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    await assertNothingLeft();
    // And the repository still serves a complete clone.
    await git.ok(['clone', '-q', '--bare', url('big'), 'after-kill']);
  });

  test('writes no token into any log line', () => {
    assertNoSecretsInLogs(server, [token]);
  });
});
