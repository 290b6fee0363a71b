import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { plainV2Fetch } from '../../src/git/upload-pack-request.js';
import { makeTempDir } from '../helpers/server.js';
import { linearHistory } from './fast-import.js';
import { pkt } from './upload-pack-client.js';

let repo: string;
let tip: string;
let base: string;

const CAPS = [pkt('agent=git/2.39.5\n'), pkt('object-format=sha1\n')];
const fetchRequest = (args: string[], caps = CAPS) => Buffer.from(`${pkt('command=fetch\n')}${caps.join('')}0001${args.map(pkt).join('')}0000`);

function uploadPack(body: Buffer) {
  const env = { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1', GIT_PROTOCOL: 'version=2' };
  return spawnSync('git', ['upload-pack', '--stateless-rpc', repo], { input: body, env, maxBuffer: 64 * 1024 * 1024 });
}

before(() => {
  repo = path.join(makeTempDir('gitgate-request-'), 'repo.git');
  const env = { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' };
  spawnSync('git', ['init', '-q', '--bare', repo], { env });
  spawnSync('git', ['fast-import', '--quiet'], { cwd: repo, env, input: linearHistory(6) });
  spawnSync('git', ['config', 'uploadpack.allowFilter', 'true'], { cwd: repo, env });
  tip = spawnSync('git', ['rev-parse', 'main'], { cwd: repo, env }).stdout.toString().trim();
  base = spawnSync('git', ['rev-parse', 'main~3'], { cwd: repo, env }).stdout.toString().trim();
});

after(() => {
  fs.rmSync(path.dirname(repo), { recursive: true, force: true });
});

describe('which upload-pack requests git may answer straight into the connection', () => {
  const unknown = '1'.repeat(40);
  const cases: Array<[string, () => Buffer, boolean]> = [
    ['a clone', () => fetchRequest([`want ${tip}\n`, 'thin-pack\n', 'no-progress\n', 'ofs-delta\n', 'done\n']), true],
    ['a fetch with haves', () => fetchRequest([`want ${tip}\n`, `have ${base}\n`, 'done\n']), true],
    ['a negotiation round without done', () => fetchRequest([`want ${tip}\n`, `have ${base}\n`]), true],
    ['a want git does not have (answered with an ERR packet)', () => fetchRequest([`want ${unknown}\n`, 'done\n']), true],
    ['a shallow clone', () => fetchRequest([`want ${tip}\n`, 'deepen 1\n', 'done\n']), true],
    ['lines without their newline', () => fetchRequest([`want ${tip}`, 'include-tag', 'done']), true],
    ['a want that is not an object id', () => fetchRequest(['want zzzz\n', 'done\n']), false],
    ['an unknown argument', () => fetchRequest([`want ${tip}\n`, 'frobnicate\n', 'done\n']), false],
    ['deepen 0', () => fetchRequest([`want ${tip}\n`, 'deepen 0\n', 'done\n']), false],
    ['deepen-relative without deepen', () => fetchRequest([`want ${tip}\n`, 'deepen-relative\n', 'done\n']), false],
    ['a filter where git did not advertise it', () => fetchRequest([`want ${tip}\n`, 'filter blob:none\n', 'done\n']), false],
    ['a want-ref', () => fetchRequest(['want-ref refs/heads/main\n', 'done\n']), false],
    ['sha256 on a sha1 repository', () => fetchRequest([`want ${tip}\n`, 'done\n'], [pkt('object-format=sha256\n')]), false],
    ['an unknown capability', () => fetchRequest([`want ${tip}\n`, 'done\n'], [pkt('frob=1\n')]), false],
    ['no delimiter', () => Buffer.from(`${pkt('command=fetch\n')}${pkt(`want ${tip}\n`)}${pkt('done\n')}0000`), false],
    ['a request cut short', () => fetchRequest([`want ${tip}\n`, 'done\n']).subarray(0, -4), false],
    ['bytes after the final flush', () => Buffer.concat([fetchRequest([`want ${tip}\n`, 'done\n']), Buffer.from('0000')]), false],
    ['no want at all', () => fetchRequest(['done\n']), false],
    ['ls-refs', () => Buffer.from(`${pkt('command=ls-refs\n')}0001${pkt('peel\n')}0000`), false],
    ['an unknown command', () => Buffer.from(`${pkt('command=frob\n')}0000`), false],
    ['protocol v0', () => Buffer.from(`${pkt(`want ${tip} ofs-delta\n`)}0000${pkt('done\n')}`), false],
    ['not pkt-lines at all', () => Buffer.from('this is not a pkt-line'), false],
    ['gzip bytes (inflating is the caller’s job)', () => gzipSync(fetchRequest([`want ${tip}\n`, 'done\n'])), false],
  ];
  for (const [name, body, accepted] of cases) {
    test(`${accepted ? 'accepts' : 'leaves to the piped path'} ${name}`, () => {
      const request = body();
      assert.equal(plainV2Fetch(request) !== null, accepted);
      if (accepted) {
        // The point of the check: git answers whatever it accepts with output, never a silent exit.
        const answer = uploadPack(request);
        assert.ok(answer.stdout.length > 0, `git said nothing (exit ${answer.status}): ${answer.stderr}`);
      }
    });
  }

  test('names the objects a fetch wants (a kept answer is only for wants that are ref tips)', () => {
    const request = fetchRequest([`want ${tip}\n`, `have ${base}\n`, `want ${base}`, 'done\n']);
    assert.deepEqual(plainV2Fetch(request)?.wants, [tip, base]);
  });

  const withFilter: Array<[string, string[], boolean]> = [
    ['blob:none', ['filter blob:none\n'], true],
    ['blob:limit', ['filter blob:limit=1k\n'], true],
    ['tree depth', ['filter tree:0\n'], true],
    ['object type', ['filter object:type=commit\n'], true],
    ['an invalid limit', ['filter blob:limit=xyz\n'], false],
    ['an unknown filter', ['filter bogus\n'], false],
    ['a combined filter', ['filter combine:blob:none+tree:0\n'], false],
    ['two filters', ['filter blob:none\n', 'filter tree:0\n'], false],
  ];
  for (const [name, lines, accepted] of withFilter) {
    test(`where git advertised filter, ${accepted ? 'accepts' : 'leaves to the piped path'} ${name}`, () => {
      const request = fetchRequest([`want ${tip}\n`, ...lines, 'done\n']);
      assert.equal(plainV2Fetch(request, { filter: true }) !== null, accepted);
      if (accepted) {
        const answer = uploadPack(request);
        assert.ok(answer.stdout.length > 0, `git said nothing (exit ${answer.status}): ${answer.stderr}`);
      }
    });
  }

  test('the malformed requests it leaves to the piped path are ones git ends without a word', () => {
    // Why the check exists: on the direct path these would get a 200 with an empty body.
    for (const request of [
      fetchRequest(['want zzzz\n', 'done\n']),
      fetchRequest([`want ${tip}\n`, 'frobnicate\n', 'done\n']),
      fetchRequest([`want ${tip}\n`, 'deepen 0\n', 'done\n']),
      fetchRequest([`want ${tip}\n`, 'done\n'], [pkt('frob=1\n')]),
      fetchRequest([`want ${tip}\n`, 'filter blob:limit=xyz\n', 'done\n']),
      fetchRequest([`want ${tip}\n`, 'filter blob:none\n', 'filter tree:0\n', 'done\n']),
    ]) {
      const answer = uploadPack(request);
      assert.equal(answer.stdout.length, 0);
      assert.notEqual(answer.status, 0);
    }
  });
});
