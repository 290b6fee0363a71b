import { STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import type { Socket } from 'node:net';
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
