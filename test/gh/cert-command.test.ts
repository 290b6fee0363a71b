import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runGitgate } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/server.js';

// `gitgate cert self-signed` through the built binary (npm test builds it first).

test('gitgate cert self-signed writes a key and a certificate valid for the host, localhost and 127.0.0.1', async (t) => {
  const dir = makeTempDir('gitgate-cert-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'tls');
  const r = await runGitgate(['cert', 'self-signed', '--host', 'git.example.test', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /SSL_CERT_FILE=/);
  assert.match(r.stdout, /sslCAInfo/);

  const certPem = fs.readFileSync(path.join(out, 'cert.pem'), 'utf8');
  const keyPem = fs.readFileSync(path.join(out, 'key.pem'), 'utf8');
  assert.equal(fs.statSync(path.join(out, 'key.pem')).mode & 0o777, 0o600, 'the key is readable by its owner only');
  assert.equal(r.stdout.includes(keyPem.split('\n')[1]!), false, 'the key is never printed');

  const cert = new crypto.X509Certificate(certPem);
  assert.equal(cert.checkHost('git.example.test'), 'git.example.test');
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkHost('other.example.test'), undefined);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(keyPem)), 'the key belongs to the certificate');
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
  assert.ok(days >= 364 && days <= 366, `valid for a year, got ${days} days`);
});

test('gitgate cert self-signed keeps existing files unless --force, and refuses a malformed host', async (t) => {
  const dir = makeTempDir('gitgate-cert-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal((await runGitgate(['cert', 'self-signed', '--host', 'localhost', '--out', dir])).code, 0);
  const before = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');

  const again = await runGitgate(['cert', 'self-signed', '--host', 'localhost', '--out', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists.*--force/);
  assert.equal(fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), before);

  const forced = await runGitgate(['cert', 'self-signed', '--host', 'localhost', '--out', dir, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.notEqual(fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), before);

  const bad = await runGitgate(['cert', 'self-signed', '--host', 'not a host/', '--out', path.join(dir, 'bad')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--host must be a DNS name or an IP address/);
  assert.equal(fs.existsSync(path.join(dir, 'bad')), false);

  const usage = await runGitgate(['cert', 'self-signed', '--out', dir]);
  assert.equal(usage.code, 2, 'a missing --host is a usage error');
});
