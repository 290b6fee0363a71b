import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandScopes, normalizeScopes, SCOPES } from './scopes.js';

test('normalising drops children implied by a parent', () => {
  assert.deepEqual(normalizeScopes(['user', 'user:email']), ['user']);
  assert.deepEqual(normalizeScopes(['public_repo', 'repo', 'repo:invite']), ['repo']);
  assert.deepEqual(normalizeScopes(['read:org', 'admin:org']), ['admin:org']);
  assert.deepEqual(normalizeScopes(['read:org', 'write:org']), ['write:org']);
});

test('normalising keeps catalog order and drops duplicates and blanks', () => {
  assert.deepEqual(normalizeScopes(['read:org', '', 'repo', 'read:org']), ['repo', 'read:org']);
  assert.deepEqual(normalizeScopes([]), []);
});

test('an unknown scope is refused with a clear error', () => {
  assert.throws(() => normalizeScopes(['repo', 'everything']), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'unknown_scope');
    assert.match(error.message, /everything/);
    return true;
  });
});

test('a parent implies all of its descendants', () => {
  assert.deepEqual([...expandScopes(['admin:org'])].sort(), ['admin:org', 'read:org', 'write:org']);
  assert.deepEqual([...expandScopes(['repo'])].sort(), ['public_repo', 'repo', 'repo:invite']);
  assert.deepEqual([...expandScopes(['user:email'])], ['user:email']);
});

test('every scope in the catalog has a description and a known parent', () => {
  const names = new Set(SCOPES.map((s) => s.name));
  for (const scope of SCOPES) {
    assert.ok(scope.description.length > 0, scope.name);
    if (scope.parent) assert.ok(names.has(scope.parent), `${scope.name} has unknown parent ${scope.parent}`);
  }
});
