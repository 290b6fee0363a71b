import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { runGitgate } from '../helpers/cli.js';
import { tempDirs } from '../helpers/server.js';

const dataDir = tempDirs('gitgate-cli-', after);
const PASSWORD = 'a very secret password 9137';

test('user create makes a user, and a second run fails with a clear error and exit code 1', async () => {
  const data = dataDir();
  const first = await runGitgate(['user', 'create', 'alice', '--email', 'alice@example.com', '--password-stdin', '--data', data], { stdin: `${PASSWORD}\n` });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /created user alice/);
  const second = await runGitgate(['user', 'create', 'alice', '--email', 'other@example.com', '--password-stdin', '--data', data], { stdin: `${PASSWORD}\n` });
  assert.equal(second.code, 1);
  assert.equal(second.stderr, 'error: username "alice" is already taken\n');
  const sameEmail = await runGitgate(['user', 'create', 'bob', '--email', 'ALICE@example.com', '--password-stdin', '--data', data], { stdin: `${PASSWORD}\n` });
  assert.equal(sameEmail.code, 1);
  assert.match(sameEmail.stderr, /^error: email "ALICE@example.com" is already in use\n$/);
  const caseTwin = await runGitgate(['user', 'create', 'ALICE', '--email', 'x@example.com', '--password-stdin', '--data', data], { stdin: `${PASSWORD}\n` });
  assert.equal(caseTwin.code, 1);
});

test('invalid usernames and emails are refused with one line and change nothing', async () => {
  const data = dataDir();
  for (const [login, email] of [['bad-', 'a@example.com'], ['settings', 'a@example.com'], ['good', 'not-an-email']]) {
    const result = await runGitgate(['user', 'create', login!, '--email', email!, '--password-stdin', '--data', data], { stdin: `${PASSWORD}\n` });
    assert.equal(result.code, 1, `${login} ${email}`);
    assert.match(result.stderr, /^error: [^\n]+\n$/);
    assert.doesNotMatch(result.stderr, /at .*\.js/);
  }
  const list = await runGitgate(['user', 'list', '--json', '--data', data]);
  assert.deepEqual(JSON.parse(list.stdout), []);
});

test('without --password-stdin and without a terminal, user create fails clearly', async () => {
  const result = await runGitgate(['user', 'create', 'carol', '--email', 'c@example.com', '--data', dataDir()]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no terminal to prompt for a password: use --password-stdin/);
});

test('user list --json prints GitHub-style fields with integer ids and ISO timestamps', async () => {
  const data = dataDir();
  await runGitgate(['user', 'create', 'dora', '--email', 'dora@example.com', '--admin', '--password-stdin', '--data', data], { stdin: PASSWORD });
  const users = JSON.parse((await runGitgate(['user', 'list', '--json', '--data', data])).stdout);
  assert.equal(users.length, 1);
  assert.deepEqual(Object.keys(users[0]).sort(), ['created_at', 'email', 'id', 'login', 'name', 'site_admin', 'suspended_at']);
  assert.equal(users[0].id, 1);
  assert.equal(users[0].site_admin, true);
  assert.match(users[0].created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});

test('the password and the token never appear in clear in the database files', async () => {
  const data = dataDir();
  await runGitgate(['user', 'create', 'erin', '--email', 'erin@example.com', '--password-stdin', '--data', data], { stdin: PASSWORD });
  const created = await runGitgate(['token', 'create', '--user', 'erin', '--note', 'ci', '--scopes', 'repo', '--data', data]);
  const token = created.stdout.trim();
  assert.match(token, /^ggp_[0-9A-Za-z]{36}$/);
  await runGitgate(['migrate', '--data', data]); // checkpoints nothing but proves the DB is closed cleanly
  for (const file of fs.readdirSync(data).filter((f) => f.startsWith('gitgate.db'))) {
    const bytes = fs.readFileSync(path.join(data, file));
    assert.equal(bytes.includes(PASSWORD), false, `password found in ${file}`);
    assert.equal(bytes.includes(token), false, `token found in ${file}`);
    assert.equal(bytes.includes(token.slice(4, 34)), false, `token body found in ${file}`);
  }
  const secretKey = fs.statSync(path.join(data, 'secret.key'));
  assert.equal(secretKey.mode & 0o777, 0o600);
});

test('token create, list and revoke work from the CLI, never printing the secret again', async () => {
  const data = dataDir();
  await runGitgate(['user', 'create', 'fay', '--email', 'fay@example.com', '--password-stdin', '--data', data], { stdin: PASSWORD });
  const token = (await runGitgate(['token', 'create', '--user', 'fay', '--note', 'laptop', '--scopes', 'repo,user:email,user', '--expires', 'never', '--data', data])).stdout.trim();
  await runGitgate(['token', 'create', '--user', 'fay', '--note', 'ci', '--data', data]);
  const list = await runGitgate(['token', 'list', '--user', 'fay', '--json', '--data', data]);
  const tokens = JSON.parse(list.stdout);
  assert.equal(list.stdout.includes(token), false);
  const laptop = tokens.find((t: { note: string }) => t.note === 'laptop');
  assert.deepEqual(laptop.scopes, ['repo', 'user']);
  assert.equal(laptop.expires_at, null);
  assert.equal(laptop.token_last_four, token.slice(-4));
  const ci = tokens.find((t: { note: string }) => t.note === 'ci');
  assert.equal(new Date(ci.expires_at).getTime() - new Date(ci.created_at).getTime(), 30 * 86_400_000);
  const duplicate = await runGitgate(['token', 'create', '--user', 'fay', '--note', 'laptop', '--data', data]);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /already been taken/);
  const badScope = await runGitgate(['token', 'create', '--user', 'fay', '--note', 'x', '--scopes', 'root', '--data', data]);
  assert.equal(badScope.code, 1);
  assert.match(badScope.stderr, /Unknown scope: root/);
  assert.equal((await runGitgate(['token', 'revoke', String(laptop.id), '--data', data])).code, 0);
  const all = await runGitgate(['token', 'revoke', '--all', '--user', 'fay', '--data', data]);
  assert.match(all.stdout, /revoked 1 token/);
  const audit = JSON.parse((await runGitgate(['audit', '--user', 'fay', '--json', '--data', data])).stdout);
  const deletes = audit.filter((e: { action: string }) => e.action === 'token.delete');
  assert.equal(deletes.length, 2);
  assert.equal(deletes[0].actor, 'cli');
  assert.equal(deletes[0].user, 'fay');
  assert.equal(JSON.stringify(audit).includes(token), false);
});

test('usage errors exit 2; unknown users exit 1', async () => {
  const unknownFlag = await runGitgate(['user', 'list', '--bogus']);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /unknown option '--bogus'/);
  assert.equal((await runGitgate(['frobnicate'])).code, 2);
  const missing = await runGitgate(['token', 'list', '--user', 'nobody', '--data', dataDir()]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'error: user "nobody" does not exist\n');
});

test('migrate is idempotent', async () => {
  const data = dataDir();
  const first = await runGitgate(['migrate', '--data', data]);
  assert.equal(first.code, 0, first.stderr);
  // The command opens the database unmigrated, so it is the one that applies, and says so.
  assert.match(first.stdout, /^applied 0001_initial/);
  const second = await runGitgate(['migrate', '--data', data]);
  assert.equal(second.code, 0);
  assert.equal(second.stdout, 'database is up to date\n');
});

test('user management commands: suspend, promote, set-password, delete', async () => {
  const data = dataDir();
  await runGitgate(['user', 'create', 'gus', '--email', 'gus@example.com', '--password-stdin', '--data', data], { stdin: PASSWORD });
  for (const command of ['suspend', 'promote']) assert.equal((await runGitgate(['user', command, 'gus', '--data', data])).code, 0);
  let [gus] = JSON.parse((await runGitgate(['user', 'list', '--json', '--data', data])).stdout);
  assert.equal(gus.site_admin, true);
  assert.ok(gus.suspended_at);
  for (const command of ['unsuspend', 'demote']) assert.equal((await runGitgate(['user', command, 'gus', '--data', data])).code, 0);
  [gus] = JSON.parse((await runGitgate(['user', 'list', '--json', '--data', data])).stdout);
  assert.equal(gus.site_admin, false);
  assert.equal(gus.suspended_at, null);
  assert.equal((await runGitgate(['user', 'set-password', 'gus', '--password-stdin', '--data', data], { stdin: 'another long password' })).code, 0);
  const short = await runGitgate(['user', 'set-password', 'gus', '--password-stdin', '--data', data], { stdin: 'short' });
  assert.equal(short.code, 1);
  await runGitgate(['repo', 'create', 'gus/keep', '--data', data]);
  const refused = await runGitgate(['user', 'delete', 'gus', '--data', data]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, 'error: user "gus" still owns repositories: gus/keep\n');
  await runGitgate(['repo', 'delete', 'gus/keep', '--data', data]);
  await runGitgate(['org', 'create', 'guild', '--owner', 'gus', '--data', data]);
  const lastOwner = await runGitgate(['user', 'delete', 'gus', '--data', data]);
  assert.equal(lastOwner.stderr, 'error: user "gus" is the last owner of organization guild\n');
});
