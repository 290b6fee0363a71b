/**
 * Git's pkt-line framing (gitprotocol-common(5)): four hex digits of length (the digits included),
 * then the payload. `0000` flush, `0001` delimiter, `0002` response end. Only what Gitgate needs to
 * watch a conversation go by: it never buffers more than one packet.
 */
export type Packet = { type: 'data'; payload: Buffer } | { type: 'flush' } | { type: 'delim' } | { type: 'response-end' };

/** The largest packet git sends or accepts (LARGE_PACKET_MAX). */
export const MAX_PACKET_LENGTH = 65520;

export function encodePacket(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = body.length + 4;
  if (length > MAX_PACKET_LENGTH) throw new RangeError('pkt-line payload too long');
  return Buffer.concat([Buffer.from(length.toString(16).padStart(4, '0'), 'ascii'), body]);
}

export const FLUSH_PACKET = Buffer.from('0000', 'ascii');

export class MalformedPacketError extends Error {
  override name = 'MalformedPacketError';
}

/**
 * An incremental reader: feed it chunks as they arrive, it calls `onPacket` per complete packet.
 * When `onPacket` returns false the reader stops and ignores the rest (what follows may not be
 * pkt-lines at all, such as the packfile after receive-pack's commands).
 */
export function createPacketReader(onPacket: (packet: Packet) => boolean | undefined) {
  let pending: Buffer = Buffer.alloc(0);
  let stopped = false;

  return {
    get stopped() {
      return stopped;
    },
    feed(chunk: Buffer): void {
      if (stopped) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (!stopped && pending.length - offset >= 4) {
        const header = pending.toString('ascii', offset, offset + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(header)) {
          stopped = true;
          throw new MalformedPacketError('bad pkt-line length');
        }
        const length = Number.parseInt(header, 16);
        let packet: Packet;
        if (length < 4) {
          if (length === 3) {
            stopped = true;
            throw new MalformedPacketError('bad pkt-line length');
          }
          packet = length === 0 ? { type: 'flush' } : length === 1 ? { type: 'delim' } : { type: 'response-end' };
          offset += 4;
        } else {
          if (pending.length - offset < length) break;
          packet = { type: 'data', payload: pending.subarray(offset + 4, offset + length) };
          offset += length;
        }
        if (onPacket(packet) === false) stopped = true;
      }
      // Keep only the unfinished tail (at most one packet), copied so the big chunk can be freed.
      pending = stopped ? Buffer.alloc(0) : Buffer.from(pending.subarray(offset));
    },
  };
}
