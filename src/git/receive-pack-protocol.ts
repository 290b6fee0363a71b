import { createPacketReader, encodePacket, FLUSH_PACKET, MAX_PACKET_LENGTH, type Packet } from './pkt-line.js';

/** One ref update a client asks receive-pack for: `old new ref`. */
export interface RefCommand {
  ref: string;
  oldSha: string;
  newSha: string;
}

export interface PushRequestHead {
  commands: RefCommand[];
  capabilities: Set<string>;
}

const COMMAND = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (\S+)$/;

/** `old new ref` (as a client sends it, and as a pre-receive hook reads it), or null. */
export function parseRefCommand(line: string): RefCommand | null {
  const match = COMMAND.exec(line);
  return match ? { oldSha: match[1]!, newSha: match[2]!, ref: match[3]! } : null;
}

/**
 * Watches the start of a receive-pack request (shallow lines, then the commands up to the first
 * flush) and reports it once complete; the packfile after it passes by unread. `onHead` receives
 * null when the commands are not well formed (git itself then refuses the request).
 */
export function createPushRequestWatcher(onHead: (head: PushRequestHead | null) => void) {
  const commands: RefCommand[] = [];
  let capabilities = new Set<string>();
  let done = false;
  const finish = (head: PushRequestHead | null) => {
    if (done) return;
    done = true;
    onHead(head);
  };
  const reader = createPacketReader((packet: Packet) => {
    if (packet.type === 'flush') {
      finish({ commands, capabilities });
      return false;
    }
    if (packet.type !== 'data') {
      finish(null);
      return false;
    }
    let line = packet.payload.toString('utf8');
    if (line.endsWith('\n')) line = line.slice(0, -1);
    if (line.startsWith('shallow ')) return true;
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      if (commands.length === 0) capabilities = new Set(line.slice(nul + 1).split(' ').filter(Boolean));
      line = line.slice(0, nul);
    }
    const command = parseRefCommand(line);
    if (!command) {
      finish(null);
      return false;
    }
    commands.push(command);
    return true;
  });
  return {
    feed(chunk: Buffer) {
      if (done) return;
      try {
        reader.feed(chunk);
      } catch {
        finish(null);
      }
    },
    /** The request ended: a head never completed is malformed. */
    end() {
      finish(null);
    },
  };
}

function usesSideband(capabilities: Set<string>): boolean {
  return capabilities.has('side-band-64k') || capabilities.has('side-band');
}

/**
 * Reads receive-pack's report-status from its response as it streams by (inside side-band channel 1
 * when the client asked for it) and collects the refs reported `ok`. `onComplete` runs once the
 * report has ended: the refs are updated by then, though git may still be running (`gc --auto`).
 */
export function createReportStatusWatcher(capabilities: Set<string>, onComplete: () => void = () => {}) {
  const okRefs = new Set<string>();
  let unpackOk = false;
  let complete = false;
  const inner = createPacketReader((packet) => {
    if (packet.type === 'flush') {
      complete = true;
      onComplete();
      return false;
    }
    if (packet.type !== 'data') return true;
    const line = packet.payload.toString('utf8').replace(/\n$/, '');
    if (line === 'unpack ok') unpackOk = true;
    else if (line.startsWith('ok ')) okRefs.add(line.slice(3));
    return true;
  });
  const safeInner = (chunk: Buffer) => {
    try {
      inner.feed(chunk);
    } catch {
      // Not a report we understand: nothing is reported ok.
    }
  };
  const outer = usesSideband(capabilities)
    ? createPacketReader((packet) => {
        if (packet.type === 'data' && packet.payload[0] === 1) safeInner(packet.payload.subarray(1));
        return !inner.stopped;
      })
    : null;
  return {
    feed(chunk: Buffer) {
      if (!outer) return safeInner(chunk);
      if (outer.stopped) return;
      try {
        outer.feed(chunk);
      } catch {
        // As above.
      }
    },
    /** The commands whose refs receive-pack reported updated. */
    succeeded(commands: RefCommand[]): RefCommand[] {
      if (!complete || !unpackOk) return [];
      return commands.filter((c) => okRefs.has(c.ref));
    },
  };
}

/**
 * A receive-pack answer refusing every command with `message`, in the form the client asked for,
 * so git shows the reason (`remote: ...` and `! [remote rejected] ... (reason)`). Null when the
 * client asked for no report at all.
 */
export function buildPushRefusal(head: PushRequestHead, message: string): Buffer | null {
  const wantsReport = head.capabilities.has('report-status') || head.capabilities.has('report-status-v2');
  const sideband = usesSideband(head.capabilities);
  if (!wantsReport && !sideband) return null;
  const parts: Buffer[] = [];
  if (sideband) parts.push(encodePacket(Buffer.concat([Buffer.from([2]), Buffer.from(`error: ${message}\n`)])));
  if (wantsReport) {
    const report = Buffer.concat([
      encodePacket(`unpack ${message}\n`),
      ...head.commands.map((c) => encodePacket(`ng ${c.ref} ${message}\n`)),
      FLUSH_PACKET,
    ]);
    parts.push(sideband ? sidebandPackets(1, report) : report);
  }
  if (sideband) parts.push(FLUSH_PACKET);
  return Buffer.concat(parts);
}

/** Data on a side-band channel, cut into packets no longer than git accepts. */
function sidebandPackets(band: number, data: Buffer): Buffer {
  const room = MAX_PACKET_LENGTH - 5;
  const packets: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += room) {
    packets.push(encodePacket(Buffer.concat([Buffer.from([band]), data.subarray(offset, offset + room)])));
  }
  return Buffer.concat(packets);
}
