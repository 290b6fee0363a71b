import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DAY, HOUR } from '../../src/lib/clock.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { createToken, createUser, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { startSmtpServer } from '../helpers/smtp.js';

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let server: TestServer;
let second: Runtime;

before(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ env: { GITGATE_SMTP_URL: smtp.url, GITGATE_MAIL_FROM: 'Gitgate <noreply@gitgate.test>' } });
  // A second instance on the same database and the same clock, as another process would be.
  second = await openRuntime({ ...server.config }, { clock: server.clock });
});
after(async () => {
  await second.close();
  await server.close();
  await smtp.close();
});

const mailsTo = (email: string, subject: RegExp) => smtp.mails.filter((m) => m.to.includes(email) && subject.test(m.subject));
const sweepBoth = () => Promise.all([server.services.notices.sendDueExpiryNotices(), second.services.notices.sendDueExpiryNotices()]);

test('creating a token emails its owner, naming the note but never the token', async () => {
  const user = await createUser(server);
  const { token } = await createToken(server, user, { note: 'deploy key' });
  await eventually(() => mailsTo(user.email!, /was added to your account/).length === 1, 'the token-created mail');
  const [mail] = mailsTo(user.email!, /was added to your account/);
  assert.match(mail!.subject, /A personal access token \(deploy key\) was added to your account/);
  assert.equal(mail!.raw.includes(token), false);
  assert.ok(mail!.text.includes(`ggp_...${token.slice(-4)}`));
});

test('each expiry notice arrives exactly once with two instances sweeping', async () => {
  const user = await createUser(server);
  await createToken(server, user, { note: 'ci', expires: '30' });
  const start = server.clock.now();
  try {
    server.clock.advance(22 * DAY + 23 * HOUR); // 7 days and 1 hour left: not yet due
    await sweepBoth();
    assert.equal(mailsTo(user.email!, /expires in 7 days/).length, 0);
    server.clock.advance(2 * HOUR); // under 7 days left
    await sweepBoth();
    await sweepBoth();
    assert.equal(mailsTo(user.email!, /"ci" expires in 7 days/).length, 1);
    server.clock.advance(6 * DAY); // under a day left
    await sweepBoth();
    await sweepBoth();
    assert.equal(mailsTo(user.email!, /"ci" expires tomorrow/).length, 1);
    server.clock.advance(DAY); // expired
    await sweepBoth();
    await sweepBoth();
    const expired = mailsTo(user.email!, /"ci" has expired/);
    assert.equal(expired.length, 1);
    assert.match(expired[0]!.text, /regenerate it at http:\/\/127\.0\.0\.1:\d+\/settings\/tokens/);
  } finally {
    server.clock.set(start);
  }
});

test('a token with 7 days or less at creation skips the 7-day notice', async () => {
  const user = await createUser(server);
  await createToken(server, user, { note: 'short', expires: '7' });
  const start = server.clock.now();
  try {
    server.clock.advance(HOUR);
    await sweepBoth();
    server.clock.advance(5 * DAY);
    await sweepBoth();
    assert.equal(mailsTo(user.email!, /"short" expires in 7 days/).length, 0);
    server.clock.advance(DAY + HOUR);
    await sweepBoth();
    assert.equal(mailsTo(user.email!, /"short" expires tomorrow/).length, 1);
  } finally {
    server.clock.set(start);
  }
});

test('users who turned expiry emails off get none', async () => {
  const user = await createUser(server);
  await server.services.accounts.setNotifyTokenExpiry(user, false);
  await createToken(server, user, { note: 'quiet', expires: '7' });
  const start = server.clock.now();
  try {
    server.clock.advance(8 * DAY);
    await sweepBoth();
    assert.equal(mailsTo(user.email!, /"quiet"/).length, 0);
  } finally {
    server.clock.set(start);
  }
});
