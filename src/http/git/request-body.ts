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
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return [meter];
  if (encoding === 'gzip' || encoding === 'x-gzip') return [createGunzip(), meter];
  return null;
}

/** Counts bytes as they pass, shows each chunk to `watch`, and fails past `limit` (when given). */
export function createMeter(options: { limit?: number; watch?: (chunk: Buffer) => void }): Transform & { bytes(): number } {
  let bytes = 0;
  const meter = new Transform({
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
  return Object.assign(meter, { bytes: () => bytes });
}

export function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function';
}
