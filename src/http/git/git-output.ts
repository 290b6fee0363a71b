import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stopGitProcess } from '../../git/git-service.js';

/**
 * Waits for a stream's first chunk (null when it ends empty), leaving the stream paused. The HTTP
 * status is chosen only then: a git that fails before saying anything gets a clean 4xx instead of
 * a 200 with an empty body.
 */
export function firstChunk(stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      stream.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onEnd);
  });
}

/**
 * Watches a git child for the log: keeps the tail of its stderr, reports a failed start, and ignores
 * EPIPE on its stdin (git may stop reading early; its exit status tells what happened). `exited`
 * settles once git has ended and its output is closed.
 */
export function watchGitChild(request: FastifyRequest, child: ChildProcess & { stdin: Writable; stderr: Readable }) {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2048);
  });
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => request.log.error({ err: error }, 'could not start git'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { exited, stderr: () => stderr.trim() };
}

/**
 * Ties a git child to its HTTP exchange (and watches it, see watchGitChild): a client that goes
 * away before the response is complete takes its git process with it. (A hijacked response never
 * finishes: its connection closing, at the end or midway, is what stops git.)
 */
export function superviseGitChild(request: FastifyRequest, reply: FastifyReply, child: ChildProcess & { stdin: Writable; stderr: Readable }) {
  const watched = watchGitChild(request, child);
  const onClose = () => {
    if (!reply.raw.writableFinished) stopGitProcess(child);
  };
  reply.raw.once('close', onClose);
  if (reply.raw.destroyed || request.raw.socket?.destroyed) onClose();
  return watched;
}
