import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPacketReader, encodePacket, FLUSH_PACKET, MalformedPacketError, type Packet } from '../../src/git/pkt-line.js';
import { buildPushRefusal, createPushRequestWatcher, createReportStatusWatcher } from '../../src/git/receive-pack-protocol.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

test('reads pkt-lines however the stream is cut into chunks', () => {
  const wire = Buffer.concat([encodePacket('hello\n'), Buffer.from('0001'), encodePacket('world\n'), FLUSH_PACKET]);
  for (let cut = 1; cut < wire.length; cut++) {
    const seen: Packet[] = [];
    const reader = createPacketReader((p) => {
      seen.push(p);
      return true;
    });
    reader.feed(wire.subarray(0, cut));
    reader.feed(wire.subarray(cut));
    assert.deepEqual(
      seen.map((p) => (p.type === 'data' ? p.payload.toString() : p.type)),
      ['hello\n', 'delim', 'world\n', 'flush'],
    );
  }
});

test('reports a malformed pkt-line length', () => {
  const reader = createPacketReader(() => true);
  assert.throws(() => reader.feed(Buffer.from('zzzzhello')), MalformedPacketError);
});

test('watches the commands of a push and ignores the packfile after them', () => {
  let head: unknown = 'unset';
  const watcher = createPushRequestWatcher((h) => {
    head = h;
  });
  watcher.feed(Buffer.concat([encodePacket(`${Z} ${A} refs/heads/main\0report-status side-band-64k\n`), encodePacket(`${A} ${B} refs/heads/dev\n`)]));
  assert.equal(head, 'unset');
  watcher.feed(Buffer.concat([FLUSH_PACKET, Buffer.from('PACK\0\0\0\u0002 binary follows')]));
  assert.deepEqual(head, {
    commands: [
      { oldSha: Z, newSha: A, ref: 'refs/heads/main' },
      { oldSha: A, newSha: B, ref: 'refs/heads/dev' },
    ],
    capabilities: new Set(['report-status', 'side-band-64k']),
  });
});

test('treats a push whose commands are not well formed as malformed', () => {
  let head: unknown = 'unset';
  const watcher = createPushRequestWatcher((h) => {
    head = h;
  });
  watcher.feed(Buffer.from('garbage!'));
  assert.equal(head, null);
});

test('reads which refs a side-banded report-status says were updated', () => {
  const report = Buffer.concat([encodePacket('unpack ok\n'), encodePacket('ok refs/heads/main\n'), encodePacket('ng refs/heads/dev fetch first\n'), FLUSH_PACKET]);
  const wire = Buffer.concat([
    encodePacket(Buffer.concat([Buffer.from([2]), Buffer.from('progress\n')])),
    encodePacket(Buffer.concat([Buffer.from([1]), report])),
    FLUSH_PACKET,
  ]);
  const commands = [
    { oldSha: Z, newSha: A, ref: 'refs/heads/main' },
    { oldSha: A, newSha: B, ref: 'refs/heads/dev' },
  ];
  // Told once, as soon as the report ends (before the rest of the answer), when its result is known.
  const whenComplete: unknown[] = [];
  const watcher = createReportStatusWatcher(new Set(['side-band-64k', 'report-status']), () => whenComplete.push(watcher.succeeded(commands)));
  const reportEnd = wire.length - FLUSH_PACKET.length;
  for (const [index, byte] of wire.entries()) {
    watcher.feed(Buffer.from([byte]));
    if (index === reportEnd - 2) assert.deepEqual(whenComplete, [], 'not before the report has ended');
  }
  assert.deepEqual(whenComplete, [[commands[0]]]);
  assert.deepEqual(watcher.succeeded(commands), [commands[0]]);
});

test('builds a refusal that rejects every command and that the report reader understands', () => {
  const head = { commands: [{ oldSha: Z, newSha: A, ref: 'refs/heads/main' }], capabilities: new Set(['report-status', 'side-band-64k']) };
  const refusal = buildPushRefusal(head, 'too big')!;
  assert.ok(refusal.toString('latin1').includes('ng refs/heads/main too big'));
  const watcher = createReportStatusWatcher(head.capabilities);
  watcher.feed(refusal);
  assert.deepEqual(watcher.succeeded(head.commands), []);
  assert.equal(buildPushRefusal({ commands: head.commands, capabilities: new Set() }, 'too big'), null);
});
