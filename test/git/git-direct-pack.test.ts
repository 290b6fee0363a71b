import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SYSTEM } from '../../src/domain/auth/actor.js';
import { assertNoSecretsInLogs, startTlsTestServer, type TestServer } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { type GitClient, repoUrl, withAliceOnServer } from './git-client.js';
import { ownDescriptorsInto, processesUsing, zombieChildren } from './git-processes.js';
import { waitFor } from '../helpers/eventually.js';
import { bigBlobHistory, openUploadPack, v2Fetch } from './upload-pack-client.js';

// Over plain HTTP, git writes a protocol v2 fetch's answer straight into the client's connection
// (src/http/git/upload-pack-answer.ts); over TLS, and for anything unusual, it passes through Node.
// The pack answer cache is off here: a fetch it answers, or keeps, takes neither path
// (test/git/pack-answer-cache.test.ts).
const NO_PACK_CACHE = { GITGATE_PACK_CACHE_BYTES: 'off' };

let server: TestServer;
let git: GitClient;
let token: string;
const url = (name: string, base = server.url) => repoUrl(base, `alice/${name}`, { user: 'alice', token });
const serverDir = (name: string) => server.services.repos.storage.pathOf('alice', name);

withAliceOnServer({ env: NO_PACK_CACHE }, async (fixture) => {
  ({ server, git, token } = fixture);
  await server.services.repos.create(SYSTEM, 'alice', { name: 'small' });
  await git.ok(['fast-import', '--quiet'], { cwd: serverDir('small'), input: linearHistory(20) });
});

/** Response headers git's HTTP client received for its upload-pack POSTs (from GIT_TRACE_CURL). */
function postResponseHeaders(trace: string): string[][] {
  const answers: string[][] = [];
  let inPost = false;
  for (const line of trace.split('\n')) {
    if (/=> Send header: POST .*git-upload-pack/.test(line)) {
      inPost = true;
      answers.push([]);
    } else if (/=> Send header: GET /.test(line)) inPost = false;
    const received = /<= Recv header: (.*)$/.exec(line);
    if (inPost && received) answers.at(-1)!.push(received[1]!.trim().toLowerCase());
  }
  return answers;
}

function post(body: Buffer, headers: Record<string, string>, name = 'small'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}/alice/${name}.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-git-upload-pack-request',
        'git-protocol': 'version=2',
        authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}`,
        ...headers,
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.end(body);
  });
}

describe('git writing the pack into the connection', () => {
  test('git clone over plain HTTP gets its pack unframed on a connection that closes after it', async () => {
    // The token sent up front (as CI does), so the answers carry the token headers.
    const header = `http.extraHeader=Authorization: Basic ${Buffer.from(`alice:${token}`).toString('base64')}`;
    const result = await git.ok(['-c', header, 'clone', '-q', '--bare', url('small'), 'direct.git'], {
      env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
    });
    const answers = postResponseHeaders(result.stderr);
    const packAnswer = answers.at(-1)!;
    assert.ok(packAnswer.includes('connection: close'), packAnswer.join('\n'));
    assert.ok(!packAnswer.some((h) => h.startsWith('transfer-encoding')), 'no chunked framing');
    assert.ok(packAnswer.includes('content-type: application/x-git-upload-pack-result'));
    assert.ok(packAnswer.includes('cache-control: no-cache, max-age=0, must-revalidate'));
    assert.ok(packAnswer.some((h) => h.startsWith('x-oauth-scopes: repo')), 'the token headers are there too');
    const clone = path.join(git.home, 'direct.git');
    await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: clone });
    const expected = (await git.ok(['rev-parse', 'main'], { cwd: serverDir('small') })).stdout;
    assert.equal((await git.ok(['rev-parse', 'main'], { cwd: clone })).stdout, expected);
  });

  test('fetches new commits and shallow clones the same way', async () => {
    const local = path.join(git.home, 'fetcher');
    await git.ok(['clone', '-q', url('small'), local]);
    await git.ok(['fast-import', '--quiet', '--force'], { cwd: serverDir('small'), input: linearHistory(25) });
    const fetched = await git.ok(['fetch', '-q', 'origin'], { cwd: local, env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
    assert.ok(postResponseHeaders(fetched.stderr).at(-1)!.includes('connection: close'));
    const expected = (await git.ok(['rev-parse', 'main'], { cwd: serverDir('small') })).stdout;
    assert.equal((await git.ok(['rev-parse', 'origin/main'], { cwd: local })).stdout, expected);
    await git.ok(['clone', '-q', '--depth', '1', url('small'), 'shallow']);
    assert.equal((await git.ok(['rev-list', '--count', 'HEAD'], { cwd: path.join(git.home, 'shallow') })).stdout.trim(), '1');
  });

  test('serves a partial clone (--filter=blob:none) the same way, once git has said it accepts filters', async () => {
    const result = await git.ok(['clone', '-q', '--bare', '--filter=blob:none', url('small'), 'partial.git'], {
      env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
    });
    assert.ok(postResponseHeaders(result.stderr).at(-1)!.includes('connection: close'));
    const clone = path.join(git.home, 'partial.git');
    assert.equal((await git.ok(['config', 'remote.origin.partialclonefilter'], { cwd: clone })).stdout.trim(), 'blob:none');
    const missing = await git.ok(['rev-list', '--objects', '--missing=print', 'main'], { cwd: clone });
    assert.match(missing.stdout, /^\?[0-9a-f]{40}$/m, 'the blobs were left out');
  });

  test('answers a gzip-compressed v2 fetch the same way', async () => {
    const tip = (await git.ok(['rev-parse', 'main'], { cwd: serverDir('small') })).stdout.trim();
    const answer = await post(gzipSync(v2Fetch([`want ${tip}\n`, 'no-progress\n', 'done\n'])), { 'content-encoding': 'gzip' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(answer.headers['transfer-encoding'], undefined);
    assert.equal(answer.body.subarray(0, 13).toString(), '000dpackfile\n');
    assert.equal(answer.body.subarray(-4).toString(), '0000');
  });

  test('still answers a v2 fetch that git refuses before saying anything with a clean 400', async () => {
    const tip = (await git.ok(['rev-parse', 'main'], { cwd: serverDir('small') })).stdout.trim();
    const refused = [
      v2Fetch(['want zzzz\n', 'done\n']),
      v2Fetch([`want ${tip}\n`, 'frobnicate\n', 'done\n']),
      v2Fetch([`want ${tip}\n`, 'deepen 0\n', 'done\n']),
      Buffer.from('this is not a pkt-line'),
      Buffer.from('0009want\n0000zzzz'),
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]),
    ];
    for (const body of refused) {
      const answer = await post(body, {});
      assert.equal(answer.status, 400, `${JSON.stringify(body.toString())} -> ${answer.status}`);
      assert.match(answer.body.toString(), /not a valid Git protocol request/);
    }
    const notGzip = await post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    assert.equal(notGzip.status, 400);
    assert.match(notGzip.body.toString(), /not valid gzip/);
    // An unknown object is refused by git inside the answer, as git http-backend does.
    const unknown = await post(v2Fetch([`want ${'1'.repeat(40)}\n`, 'done\n']), {});
    assert.equal(unknown.status, 200);
    assert.match(unknown.body.toString(), /ERR upload-pack: not our ref/);
  });

  test('logs the request like any other, with its status and without the token', async () => {
    const lines = server.logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const posts = new Set(lines.filter((line) => line.req?.path?.endsWith('/git-upload-pack')).map((line) => line.reqId));
    const completed = lines.filter((line) => posts.has(line.reqId) && line.msg === 'request completed');
    assert.equal(completed.length, posts.size, `${posts.size} upload-pack requests, ${completed.length} completed lines`);
    assert.ok(completed.every((line) => line.res.statusCode === 200 || line.res.statusCode === 400));
    assertNoSecretsInLogs(server, [token]);
  });
});

describe('a client that goes away while git writes into its connection', () => {
  test('takes its git process with it, and leaves nothing behind', async () => {
    await server.services.repos.create(SYSTEM, 'alice', { name: 'big' });
    const dir = serverDir('big');
    await git.ok(['fast-import', '--quiet'], { cwd: dir, input: bigBlobHistory(24 * 1024 * 1024) });
    const head = (await git.ok(['rev-parse', 'main'], { cwd: dir })).stdout.trim();
    const { request, response: answered } = openUploadPack(server.url, 'big', token, v2Fetch([`want ${head}\n`, 'no-progress\n', 'done\n']));
    const response = await answered;
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.connection, 'close', 'the direct path answered');
    response.pause(); // the client stops reading: git blocks on a full socket
    assert.ok(await waitFor(() => processesUsing(dir).length > 0, 5000), 'git is serving the clone');
    request.on('error', () => {});
    request.destroy();
    assert.ok(await waitFor(() => processesUsing(dir).length === 0, 8000), `left behind: ${JSON.stringify(processesUsing(dir))}`);
    assert.ok(await waitFor(() => zombieChildren().length === 0, 5000), `zombie children: ${zombieChildren()}`);
    assert.deepEqual(ownDescriptorsInto(dir), []);
    // The server goes on serving: a full clone of the same repository works.
    await git.ok(['clone', '-q', '--bare', url('big'), 'big-after.git']);
  });
});

describe('over TLS', () => {
  let tls: Awaited<ReturnType<typeof startTlsTestServer>>;

  before(async () => {
    tls = await startTlsTestServer({ dataDir: server.dataDir, env: NO_PACK_CACHE });
  });

  after(async () => {
    await tls?.close();
  });

  test('a plain HTTP request sent to the HTTPS port gets a 400 saying to use https://, and the port still speaks TLS', async () => {
    const answer = await fetch(`${tls.url.replace('https://', 'http://')}/alice/small.git/info/refs?service=git-upload-pack`);
    assert.equal(answer.status, 400);
    assert.equal(await answer.text(), 'This port speaks HTTPS: use an https:// URL.\n');
    const result = await git.run(['ls-remote', url('small', tls.url.replace('https://', 'http://'))]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /400/, 'git says the server refused the request');
  });

  test('the pack passes through Node (it encrypts), keep-alive and chunked as before', async () => {
    const result = await git.ok(['clone', '-q', '--bare', url('small', tls.url), 'over-tls.git'], {
      env: { GIT_SSL_CAINFO: tls.caFile, GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
    });
    const packAnswer = postResponseHeaders(result.stderr).at(-1)!;
    assert.ok(packAnswer.includes('transfer-encoding: chunked'), packAnswer.join('\n'));
    assert.ok(!packAnswer.includes('connection: close'));
    await git.ok(['fsck', '--strict', '--no-dangling'], { cwd: path.join(git.home, 'over-tls.git') });
  });
});
