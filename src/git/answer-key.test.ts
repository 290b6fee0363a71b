import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answeredPart } from './answer-key.js';
import { encodePacket } from './pkt-line.js';

const pkt = (line: string) => encodePacket(line).toString('latin1');
const request = (capabilities: string[], args: string[]) =>
  Buffer.from(`${pkt('command=ls-refs\n')}${capabilities.map(pkt).join('')}0001${args.map(pkt).join('')}0000`);
const ARGS = ['peel\n', 'symrefs\n', 'ref-prefix refs/heads/\n'];

test('requests that differ only in the agent git names are one request; anything else keeps them apart', () => {
  const of = (capabilities: string[], args = ARGS) => answeredPart(request(capabilities, args));
  const base = of(['agent=git/2.39.5\n', 'object-format=sha1\n']);
  assert.equal(of(['agent=git/2.47.1\n', 'object-format=sha1\n']), base, 'another git version');
  assert.equal(of(['object-format=sha1\n']), base, 'no agent at all');
  assert.notEqual(of(['agent=git/2.39.5\n', 'object-format=sha256\n']), base, 'the object format');
  assert.notEqual(of(['agent=git/2.39.5\n', 'object-format=sha1\n'], ['peel\n']), base, 'the arguments');
  // Past the capabilities, a line is an argument, whatever it starts with.
  assert.notEqual(of(['object-format=sha1\n'], [...ARGS, 'agent=x\n']), base);
  assert.ok(base.includes(pkt('ref-prefix refs/heads/\n')), 'the rest is kept as it was framed');
});

test('a request that is not well-framed is kept whole', () => {
  for (const text of ['00zzagent=git/2.39.5\n0000', `${pkt('command=fetch\n')}0fffagent=git/x\n`, 'agent=git/x']) {
    assert.equal(answeredPart(Buffer.from(text)), text);
  }
});
