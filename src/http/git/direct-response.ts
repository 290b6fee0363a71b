import fs from 'node:fs';
import { type OutgoingHttpHeaders, STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canBeGitStdout } from '../../git/git-service.js';

/**
 * The connection of a request whose answer git may write itself, or null when it must pass through
 * Node: TLS (Node encrypts), HTTP/2, a pipelined response still waiting behind an earlier one, or a
 * runtime whose socket handle cannot be put back into non-blocking mode.
 */
export function socketForGit(request: FastifyRequest, reply: FastifyReply): Socket | null {
  const socket = request.raw.socket as Socket | null;
  if (!socket || 'encrypted' in socket || request.raw.httpVersionMajor !== 1) return null;
  if (reply.raw.socket !== socket || reply.raw.headersSent || reply.sent) return null;
  if (socket.destroyed || !socket.writable || socket.writableLength > 0) return null;
  return canBeGitStdout(socket) ? socket : null;
}

/**
 * Takes the response away from Fastify and writes its head (status, the headers set on `reply`,
 * `Connection: close`) straight to the socket. The body that follows is delimited by the end of
 * the connection: what git writes until it exits. Resolves once the head is in the kernel, so
 * nothing git writes can overtake it; false when the client has gone.
 */
export function writeHeadForGit(reply: FastifyReply, socket: Socket, status: number): Promise<boolean> {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, `Date: ${new Date().toUTCString()}`, 'Connection: close'];
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || name === 'connection' || name === 'content-length' || name === 'transfer-encoding') continue;
    for (const one of Array.isArray(value) ? value : [String(value)]) {
      // What Node's writeHead would refuse (a CR or LF in a value) must not reach the wire either.
      validateHeaderName(name);
      validateHeaderValue(name, one);
      lines.push(`${name}: ${one}`);
    }
  }
  reply.code(status);
  reply.hijack();
  return new Promise((resolve) => {
    socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1', (error) => resolve(!error && !socket.destroyed));
  });
}

/** How much of a file is read, and written to the client, at a time. */
const FILE_CHUNK_BYTES = 512 * 1024;
/** How long a reader that has caught up with a growing file waits before it looks again. */
const CATCH_UP_MS = 1;

/**
 * The chunks of an open file from its start, read into one buffer used again for each: a chunk is
 * valid until the next is asked for. Streams allocate a Buffer per chunk instead, and hundreds of MB
 * of them wait for the garbage collector in the process's memory. `writerDone`: a writer (git) is
 * still appending until it settles; the file is followed until then, and read to its end after.
 * `bytes`, a finished file's length: its buffer is no larger (most answers to fetches are a few KB).
 * The caller closes `fd`.
 */
export async function* fileChunks(
  fd: number,
  options: { writerDone?: Promise<unknown>; bytes?: number } = {},
): AsyncGenerator<Buffer, void, undefined> {
  const { writerDone, bytes } = options;
  const size = bytes === undefined ? FILE_CHUNK_BYTES : Math.max(1, Math.min(bytes, FILE_CHUNK_BYTES));
  const buffer = Buffer.allocUnsafe(size);
  let written = writerDone === undefined;
  void writerDone?.then(() => {
    written = true;
  });
  for (let position = 0; ; ) {
    // Taken before the read: a read that finds nothing after the writer's end has seen all of it.
    const complete = written;
    const bytesRead = await readAt(fd, buffer, position);
    if (bytesRead > 0) {
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    } else if (complete) {
      return;
    } else {
      await Promise.race([writerDone, delay(CATCH_UP_MS)]);
    }
  }
}

function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buffer, 0, buffer.length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))),
  );
}

/**
 * Takes the response away from Fastify and sends `first` and then the rest of `chunks` as a 200
 * with the headers set on `reply` (with a Content-Length when `bytes` is known; chunked otherwise).
 * Each chunk is written once the kernel has taken the one before. A client that goes away ends
 * it (and `chunks` is returned); so does an answer that turns out other than `bytes` long, or whose
 * `chunks` throw, with the connection: the client sees the answer cut short, never a wrong one.
 */
export async function sendChunks(reply: FastifyReply, first: Buffer | undefined, chunks: AsyncGenerator<Buffer, void, undefined>, bytes?: number): Promise<void> {
  if (bytes !== undefined) reply.header('content-length', bytes);
  reply.code(200);
  reply.hijack();
  const response = reply.raw;
  const closed = new Promise<false>((resolve) => response.once('close', () => resolve(false)));
  let chunk = first;
  let sent = 0;
  try {
    response.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders);
    while (chunk && !response.destroyed) {
      sent += chunk.length;
      const current = chunk;
      const written = new Promise<boolean>((resolve) => response.write(current, (error) => resolve(!error)));
      if (!(await Promise.race([written, closed]))) break;
      const next = await chunks.next().catch(() => null);
      if (!next) break;
      chunk = next.done ? undefined : next.value;
    }
  } finally {
    await chunks.return();
  }
  if (chunk === undefined && (bytes === undefined || sent === bytes)) response.end();
  else response.destroy();
}

/** Fastify logs a hijacked request no more: the same line it would have written. */
export function logHijacked(reply: FastifyReply) {
  reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
}
