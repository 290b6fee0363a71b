import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateEmail, validateLogin, validatePassword } from './account-rules.js';

test('usernames follow GitHub rules', () => {
  for (const ok of ['a', 'alice', 'Alice-Bob', 'a1-b2-c3', 'x'.repeat(39), '0day']) assert.equal(validateLogin(ok), ok);
});

test('every invalid username class is refused with its own code', () => {
  const cases: [string, string][] = [
    ['', 'login_missing'],
    ['x'.repeat(40), 'login_too_long'],
    ['-alice', 'login_invalid'],
    ['alice-', 'login_invalid'],
    ['al--ice', 'login_invalid'],
    ['al_ice', 'login_invalid'],
    ['al.ice', 'login_invalid'],
    ['ålice', 'login_invalid'],
    ['al ice', 'login_invalid'],
    ['settings', 'login_reserved'],
    ['Login', 'login_reserved'],
    ['api', 'login_reserved'],
    ['admin', 'login_reserved'],
    ['new', 'login_reserved'],
    ['organizations', 'login_reserved'],
  ];
  for (const [login, code] of cases) assert.throws(() => validateLogin(login), { code }, login);
});

test('email addresses need a local part, an @ and a dotted domain', () => {
  assert.equal(validateEmail(' a.b+c@example.co.uk '), 'a.b+c@example.co.uk');
  for (const bad of ['', 'plain', 'a@b', '@example.com', 'a@@example.com', 'a b@example.com', 'a@-x.com', `${'a'.repeat(250)}@example.com`]) {
    assert.throws(() => validateEmail(bad), (e: Error & { code?: string }) => e.code === 'email_invalid' || e.code === 'email_missing', bad);
  }
});

test('passwords need at least 8 characters', () => {
  assert.throws(() => validatePassword('short'), { code: 'password_too_short' });
  assert.equal(validatePassword('long enough'), 'long enough');
});
