import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults: 127.0.0.1:3000, ./data, base URL from host and port', () => {
  const config = loadConfig({}, {});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 3000);
  assert.equal(config.dataDir, path.resolve('./data'));
  assert.equal(config.baseUrl, 'http://127.0.0.1:3000');
  assert.equal(config.databaseUrl, null);
  assert.equal(config.passwordAuth, false);
  assert.deepEqual(config.authThrottle, { limit: 10, windowMs: 300_000 });
  assert.equal(config.packCacheBytes, 1024 ** 3);
});

test('a flag wins over its environment variable, which wins over the default', () => {
  const env = { GITGATE_HOST: '::1', GITGATE_PORT: '4000', GITGATE_DATA: '/tmp/env-data', GITGATE_BASE_URL: 'https://git.example.com/' };
  const fromEnv = loadConfig({}, env);
  assert.equal(fromEnv.host, '::1');
  assert.equal(fromEnv.port, 4000);
  assert.equal(fromEnv.dataDir, '/tmp/env-data');
  assert.equal(fromEnv.baseUrl, 'https://git.example.com');
  const fromFlags = loadConfig({ host: '127.0.0.1', port: '5000', data: '/tmp/flag-data', baseUrl: 'http://x.test' }, env);
  assert.equal(fromFlags.host, '127.0.0.1');
  assert.equal(fromFlags.port, 5000);
  assert.equal(fromFlags.dataDir, '/tmp/flag-data');
  assert.equal(fromFlags.baseUrl, 'http://x.test');
});

test('the derived base URL brackets IPv6 hosts and uses https with TLS', () => {
  assert.equal(loadConfig({ host: '::1', port: '8080' }, {}).baseUrl, 'http://[::1]:8080');
  assert.equal(loadConfig({ tlsCert: 'c.pem', tlsKey: 'k.pem' }, {}).baseUrl, 'https://127.0.0.1:3000');
});

test('every problem is reported at once, one clear line each', () => {
  assert.throws(
    () =>
      loadConfig({ port: '99999' }, {
        GITGATE_SECRET_KEY: 'short',
        GITGATE_DATABASE_URL: 'mysql://x',
        GITGATE_AUTH_THROTTLE: 'lots',
        GITGATE_TOKEN_MAX_LIFETIME_DAYS: '0',
        GITGATE_PACK_CACHE_BYTES: '1 GiB',
      }),
    (error: ConfigError) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        '--port must be 1-65535, got 99999',
        'GITGATE_DATABASE_URL must start with postgres:// or postgresql:// (unset it for SQLite)',
        'GITGATE_SECRET_KEY must be at least 32 characters, got 5',
        'GITGATE_TOKEN_MAX_LIFETIME_DAYS must be a whole number of days >= 1, got 0',
        'GITGATE_AUTH_THROTTLE must look like 10/5m or be off, got lots',
        'GITGATE_PACK_CACHE_BYTES must be a number of bytes or off, got 1 GiB',
      ]);
      return true;
    },
  );
});

test('PostgreSQL URLs are accepted in both spellings, and throttling and the pack answer cache can be turned off', () => {
  assert.equal(loadConfig({}, { GITGATE_DATABASE_URL: 'postgresql://u@/db?host=/run/postgresql' }).databaseUrl, 'postgresql://u@/db?host=/run/postgresql');
  assert.equal(loadConfig({}, { GITGATE_AUTH_THROTTLE: 'off' }).authThrottle, null);
  assert.equal(loadConfig({}, { GITGATE_RATE_LIMIT: 'off' }).rateLimitPerHour, null);
  assert.equal(loadConfig({}, { GITGATE_PACK_CACHE_BYTES: 'off' }).packCacheBytes, 0);
  assert.equal(loadConfig({}, { GITGATE_PACK_CACHE_BYTES: '0' }).packCacheBytes, 0);
});
