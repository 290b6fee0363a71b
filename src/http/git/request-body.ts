import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Thrown into the request pipeline when a push grows past the configured maximum. */
export class PushTooLargeError extends Error {
  override name = 'PushTooLargeError';
}

/**
 * The stages between the raw request stream and git's stdin: gunzip when git compressed the body
 * (upload-pack with many `have` lines), then a meter that watches and counts every inflated byte.
 * Null when the body uses an encoding git never sends.
 */
export function bodyStages(contentEncoding: string | undefined, meter: Transform): Array<NodeJS.ReadWriteStream> | null {
  const encoding = gitBodyEncoding(contentEncoding);
  if (encoding === null) return null;
  return encoding === 'gzip' ? [createGunzip(), meter] : [meter];
}

/** A request's Content-Encoding as git sends it (none, or gzip), or null for one git never sends. */
export function gitBodyEncoding(contentEncoding: string | undefined): 'identity' | 'gzip' | null {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return 'identity';
  if (encoding === 'gzip' || encoding === 'x-gzip') return 'gzip';
  return null;
}

/** Shows each chunk to `watch` as it passes, and fails once more than `limit` bytes have passed (when given). */
export function createMeter(options: { limit?: number; watch?: (chunk: Buffer) => void }): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (options.limit !== undefined && bytes > options.limit) {
        callback(new PushTooLargeError(`request body exceeds ${options.limit} bytes`));
        return;
      }
      options.watch?.(chunk);
      callback(null, chunk);
    },
  });
}

export function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function';
}

/** The whole request body (at most `length` bytes, as declared), or null when the client went away. */
export function readWhole(stream: Readable, length: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= length) chunks.push(chunk);
    });
    stream.once('end', () => resolve(size === length ? Buffer.concat(chunks, size) : null));
    stream.once('error', () => resolve(null));
    stream.once('close', () => resolve(null)); // after 'end' a no-op: the promise is settled
  });
}
