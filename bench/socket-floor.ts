import { spawn } from 'node:child_process';
import net from 'node:net';

/**
 * The least any HTTP server can do for a pack answer that git has to make: a bare TCP server that
 * reads one request, writes a minimal HTTP/1.1 head and hands the connection to
 * `git upload-pack --stateless-rpc` as its stdout. No authentication, routing, cache or framing:
 * what is left is git's own work, the loopback socket, and the client reading from it. The floor
 * of the "first request" row writes to /dev/null instead, which no server can.
 */
export async function startSocketFloor(repoDir: string, env: NodeJS.ProcessEnv): Promise<{ url: string; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(received.subarray(0, headEnd).toString('latin1'))?.[1] ?? Number.NaN);
      if (!Number.isFinite(length)) return void socket.destroy();
      if (received.length < headEnd + 4 + length) return;
      socket.off('data', onData);
      socket.pause();
      answer(socket, received.subarray(headEnd + 4, headEnd + 4 + length));
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  const answer = (socket: net.Socket, body: Buffer) => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-result\r\nConnection: close\r\n\r\n';
    socket.write(head, 'latin1', () => {
      const child = spawn('git', ['upload-pack', '--stateless-rpc', repoDir], { env, stdio: ['pipe', socket, 'ignore'] });
      child.stdin.on('error', () => undefined);
      child.stdin.end(body);
      child.on('close', () => socket.destroy());
      child.on('error', () => socket.destroy());
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
