import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthorization } from './credentials.js';

const token = 'ggp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1yLcDB';
const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

test('every header form that carries a token yields the same token credential', () => {
  const forms = [
    `token ${token}`,
    `Token ${token}`,
    `Bearer ${token}`,
    `bearer ${token}`,
    `BEARER  ${token} `,
    basic(`x-access-token:${token}`),
    basic(`anyone:${token}`),
    basic(`${token}:`),
    basic(`${token}:x-oauth-basic`),
  ];
  for (const header of forms) assert.deepEqual(parseAuthorization(header), { kind: 'token', token }, header);
});

test('a missing header is no credential at all', () => {
  assert.deepEqual(parseAuthorization(undefined), { kind: 'none' });
});

test('empty, scheme-only, unknown-scheme and bad base64 headers are malformed, not anonymous', () => {
  for (const header of ['', '   ', 'Bearer', 'Bearer ', 'Digest abc', 'Basic !!!notbase64', basic('no-colon-here'), basic(':')]) {
    assert.equal(parseAuthorization(header).kind, 'malformed', JSON.stringify(header));
  }
});

test('Basic with a username and a non-token password is a password credential', () => {
  assert.deepEqual(parseAuthorization(basic('alice:hunter22')), { kind: 'password', login: 'alice', password: 'hunter22' });
});

test('a malformed token in the password field is still treated as a token, never as a password', () => {
  assert.deepEqual(parseAuthorization(basic('alice:ggp_short')), { kind: 'token', token: 'ggp_short' });
});

test('non-ASCII credentials are parsed without throwing', () => {
  assert.equal(parseAuthorization(basic('ålice:pässwörd')).kind, 'password');
  assert.equal(parseAuthorization('Bearer tökén').kind, 'token');
});
