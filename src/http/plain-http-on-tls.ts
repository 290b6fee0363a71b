import type { Server } from 'node:https';
import { Socket } from 'node:net';

const BODY = 'This port speaks HTTPS: use an https:// URL.\n';
const ANSWER = `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY}`;

/**
 * A plain HTTP request sent to the HTTPS port (an http:// URL by mistake) gets a 400 that says so,
 * as nginx answers, instead of a connection closed without a word. OpenSSL recognises the request
 * line (ERR_SSL_HTTP_REQUEST) before any handshake; the answer goes out in clear on the TCP socket
 * under the failed TLS one. Node does not document that socket (`_parent`, on Node 20 to 24): where
 * it is missing, the connection closes silently, as it did before.
 */
export function answerPlainHttpOnTls(server: Server): void {
  server.on('tlsClientError', (error: NodeJS.ErrnoException, tlsSocket) => {
    if (error.code !== 'ERR_SSL_HTTP_REQUEST') return;
    const raw = (tlsSocket as unknown as { _parent?: unknown })._parent;
    if (raw instanceof Socket && !raw.destroyed && raw.writable) raw.end(ANSWER);
  });
}
