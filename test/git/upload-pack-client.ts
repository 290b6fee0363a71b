import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { encodePacket } from '../../src/git/pkt-line.js';

/** Raw protocol v2 upload-pack requests, as git sends them, for tests that talk to the route itself. */

export const pkt = (line: string) => encodePacket(line).toString('latin1');

/** A protocol v2 `fetch` with `args` (each a line: `want OID\n`, `done\n`, ...), as `agent` sends it. */
export const v2Fetch = (args: string[], agent = 'git/test') =>
  Buffer.from(`${pkt('command=fetch\n')}${pkt(`agent=${agent}\n`)}${pkt('object-format=sha1\n')}0001${args.map(pkt).join('')}0000`);

const headers = (token: string) => ({
  authorization: `Basic ${Buffer.from(`alice:${token}`).toString('base64')}`,
  'git-protocol': 'version=2',
  'content-type': 'application/x-git-upload-pack-request',
});

/** POSTs `body` to alice's repository `name` with her token; the whole answer. */
export async function postUploadPack(serverUrl: string, name: string, token: string, body: Buffer) {
  const response = await fetch(`${serverUrl}/alice/${name}.git/git-upload-pack`, { method: 'POST', headers: headers(token), body: new Uint8Array(body) });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** The same POST, resolved once the answer's head has arrived, its body not read yet. */
export function openUploadPack(serverUrl: string, name: string, token: string, body: Buffer): { request: http.ClientRequest; response: Promise<http.IncomingMessage> } {
  const request = http.request(`${serverUrl}/alice/${name}.git/git-upload-pack`, { method: 'POST', headers: headers(token) });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
  });
  request.end(body);
  return { request, response };
}

/** A `git fast-import` stream: one commit on main holding `bytes` of random data (a pack that takes a while to send). */
export function bigBlobHistory(bytes: number): Buffer {
  const blob = randomBytes(bytes);
  return Buffer.concat([
    Buffer.from(`blob\nmark :1\ndata ${blob.length}\n`),
    blob,
    Buffer.from('\ncommit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 4\nbig\nM 644 :1 big.bin\n'),
  ]);
}
