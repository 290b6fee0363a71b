import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { runGitgate } from '../helpers/cli.js';
import { startTestServer, tempDirs } from '../helpers/server.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/gitgate.js');
const dataDir = tempDirs('gitgate-srv-', after);

/** Starts `gitgate serve` as a real process and waits for its listening line. */
function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { ...process.env, GITGATE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const ready = new Promise<{ url: string; setupUrl: string | null }>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = /listening on (http\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes('\n', stdout.indexOf(url))) {
        setTimeout(() => resolve({ url, setupUrl: /(http\S+\/-\/setup\?code=\S+)/.exec(stdout)?.[1] ?? null }), 50);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

test('health answers 200 with the version and no I/O; ready runs a query', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const health = await fetch(`${server.url}/-/health`);
  assert.equal(health.status, 200);
  assert.match(health.headers.get('content-type') ?? '', /application\/json/);
  const body = await health.json();
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  const ready = await fetch(`${server.url}/-/ready`);
  assert.equal(ready.status, 200);
});

test('ready answers 503 once the database is unreachable, while health stays 200', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close().catch(() => {}));
  await server.runtime.database.close();
  assert.equal((await fetch(`${server.url}/-/ready`)).status, 503);
  assert.equal((await fetch(`${server.url}/-/health`)).status, 200);
});

test('the setup code works once, only while no administrator exists, and a restart replaces it', async (t) => {
  const data = dataDir();
  const first = await startTestServer({ dataDir: data });
  const firstCode = new URL(first.setupUrl!).searchParams.get('code')!;
  assert.match(first.setupUrl!, /\/-\/setup\?code=[A-Za-z0-9_-]{20,}$/);
  await first.close();
  const second = await startTestServer({ dataDir: data });
  t.after(() => second.close());
  const code = new URL(second.setupUrl!).searchParams.get('code')!;
  assert.notEqual(code, firstCode);
  const setup = second.services.setup;
  assert.equal(await setup.isValid(firstCode), false, 'the old code died with the restart');
  await assert.rejects(setup.redeem(code, { login: 'root-admin', email: 'root@example.com', password: 'short' }), { code: 'password_too_short' });
  assert.equal(await setup.isValid(code), true, 'bad input does not burn the code');
  const admin = await setup.redeem(code, { login: 'root-admin', email: 'root@example.com', password: 'long enough password' });
  assert.equal(admin.siteAdmin, true);
  await assert.rejects(setup.redeem(code, { login: 'second', email: 's@example.com', password: 'long enough password' }), { code: 'setup_code_invalid' });
  assert.equal(await setup.issue(), null, 'no new code once an administrator exists');
});

test('no setup URL is printed when an administrator already exists', async (t) => {
  const data = dataDir();
  await runGitgate(['user', 'create', 'admin1', '--email', 'a1@example.com', '--admin', '--password-stdin', '--data', data], { stdin: 'long enough password' });
  const server = await startTestServer({ dataDir: data });
  t.after(() => server.close());
  assert.equal(server.setupUrl, null);
});

test('gitgate serve prints the setup URL, serves, and shuts down gracefully on SIGTERM with in-flight requests finishing', async () => {
  const data = dataDir();
  const server = serve(['--data', data]);
  const { url, setupUrl } = await server.ready;
  assert.ok(setupUrl?.startsWith(`${url}/-/setup?code=`));
  // A request whose body is still arriving when SIGTERM lands must still get its answer.
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  socket.on('data', (d) => (answer += d));
  const body = JSON.stringify({ hello: 'world' });
  socket.write(`POST /-/ready HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  server.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.end(body.slice(5));
  await new Promise((resolve) => socket.once('close', resolve));
  assert.match(answer, /^HTTP\/1\.1 \d{3} /, 'the in-flight request got an HTTP answer, not a reset');
  assert.equal(await server.exited, 0);
  await assert.rejects(fetch(`${url}/-/health`));
});

test('logs never contain the Authorization header, cookies, tokens or query strings', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const secret = `ggp_${'Q'.repeat(30)}000000`;
  await fetch(`${server.url}/-/health?access_token=${secret}&password=hunter2`, {
    headers: { authorization: `Bearer ${secret}`, cookie: `gitgate_session=${secret}` },
  });
  await fetch(`${server.url}/does-not-exist?token=${secret}`, { headers: { authorization: `token ${secret}` } });
  const text = server.logs.join('\n');
  assert.ok(text.includes('/-/health'), 'requests are logged');
  assert.equal(text.includes(secret), false);
  assert.equal(text.includes('hunter2'), false);
  assert.equal(text.toLowerCase().includes('authorization'), false);
});

test('headers above 16 KiB get 431 from Node, never a 500', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const response = await fetch(`${server.url}/-/health`, { headers: { authorization: `Bearer ${'x'.repeat(20_000)}` } });
  assert.equal(response.status, 431);
});

test('start-up problems are one clear line on stderr and exit 1', async () => {
  const file = path.join(dataDir(), 'file.txt');
  fs.writeFileSync(file, 'not a directory');
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--port', '99999'], {}, /^error: --port must be 1-65535, got 99999\n$/],
    [['--data', path.join(file, 'data')], {}, /^error: data directory .* is not usable \(ENOTDIR\)\n$/],
    [['--data', dataDir()], { GITGATE_SECRET_KEY: 'too-short' }, /^error: GITGATE_SECRET_KEY must be at least 32 characters, got 9\n$/],
  ];
  for (const [args, env, expected] of cases) {
    const result = await runGitgate(['serve', ...args], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, expected);
  }
  const corrupt = dataDir();
  fs.writeFileSync(path.join(corrupt, 'gitgate.db'), 'this is not a database, just text '.repeat(200));
  const before = fs.readFileSync(path.join(corrupt, 'gitgate.db'));
  const result = await runGitgate(['serve', '--data', corrupt, '--port', '0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: cannot open database .*gitgate\.db: file is not a database\n$/);
  assert.deepEqual(fs.readFileSync(path.join(corrupt, 'gitgate.db')), before, 'the corrupt file is left untouched');
});

test('a port already in use is a clear error', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const result = await runGitgate(['serve', '--port', String(port), '--data', dataDir()]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: port ${port} on 127.0.0.1 is already in use\n`);
  } finally {
    blocker.close();
  }
});
