import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeReturnTo } from './return-to.js';

test('keeps a same-site path with its query', () => {
  assert.equal(safeReturnTo('/settings/tokens/new?scopes=repo'), '/settings/tokens/new?scopes=repo');
});

test('refuses every form of another origin', () => {
  for (const value of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', 'evil', '', null, ' /x']) {
    assert.equal(safeReturnTo(value), '/', String(value));
  }
});

test('does not return to the sign-in page itself', () => {
  assert.equal(safeReturnTo('/login?return_to=/x'), '/');
});
