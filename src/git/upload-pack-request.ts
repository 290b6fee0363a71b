/**
 * Reads a whole protocol v2 upload-pack request (gitprotocol-v2(5)) to tell whether it is a plain
 * `fetch` that git answers with output before anything can go wrong: every line one that
 * `git upload-pack` accepts from any client, so a refusal can only come as an `ERR` packet inside
 * the answer (an unknown `want`), never as a silent exit before the first byte.
 *
 * The direct path (git writing the pack into the client's socket) needs this: the 200 goes out
 * before git starts. Anything unusual returns false and takes the piped path, where the status is
 * chosen after git's first output. So the allow-list can stay short: what git clients send to
 * clone and fetch.
 */

const OID = /^[0-9a-f]{40}$/;
/** git refuses `deepen 0` ("Invalid deepen"). */
const POSITIVE = /^[1-9][0-9]{0,9}$/;
/** Arguments without a value, accepted by every git since protocol v2 exists (2.18). */
const FLAGS = new Set(['done', 'thin-pack', 'no-progress', 'include-tag', 'ofs-delta']);
/** The most `have` lines (and bytes) worth reading here; git sends at most a few thousand per round. */
export const MAX_DIRECT_REQUEST_BYTES = 1024 * 1024;

/** The filter-specs git 2.x parses (git dies silently on one it cannot: "invalid filter-spec"). */
const FILTER = /^(blob:none|blob:limit=[0-9]{1,15}[kmg]?|tree:[0-9]{1,9}|object:type=(blob|tree|commit|tag))$/i;

/** A plain fetch, and the objects it wants. */
export interface PlainFetch {
  wants: string[];
}

/**
 * `options.filter`: whether git accepts `filter` here (uploadpack.allowFilter), as git itself said
 * in its capability advertisement; without it a `filter` line makes git exit without a word.
 * Null for anything but a plain fetch.
 */
export function plainV2Fetch(body: Buffer, options: { filter?: boolean } = {}): PlainFetch | null {
  if (body.length > MAX_DIRECT_REQUEST_BYTES) return null;
  let offset = 0;
  /** The next packet: a line without its newline, or 'flush' / 'delim', or null when malformed. */
  const next = (): string | 'flush' | 'delim' | null => {
    if (body.length - offset < 4) return null;
    const header = body.toString('latin1', offset, offset + 4);
    if (!/^[0-9a-f]{4}$/.test(header)) return null;
    const length = Number.parseInt(header, 16);
    if (length === 0 || length === 1) {
      offset += 4;
      return length === 0 ? 'flush' : 'delim';
    }
    if (length < 5 || body.length - offset < length) return null;
    let line = body.toString('latin1', offset + 4, offset + length);
    offset += length;
    if (line.endsWith('\n')) line = line.slice(0, -1);
    return line;
  };

  if (next() !== 'command=fetch') return null;
  // Capabilities up to the delimiter: `agent`, and `object-format` only as the one every Gitgate
  // repository uses. Any other (`session-id`, `server-option`, ...) takes the piped path.
  for (;;) {
    const line = next();
    if (line === 'delim') break;
    if (line === null || line === 'flush') return null;
    if (line === 'object-format=sha1') continue;
    if (line.startsWith('agent=') && /^agent=[\x21-\x7e]{1,256}$/.test(line)) continue;
    return null;
  }
  const wants: string[] = [];
  let filters = 0;
  const deepen = new Set<string>();
  for (;;) {
    const line = next();
    if (line === 'flush') break;
    if (line === null || line === 'delim') return null;
    if (FLAGS.has(line)) continue;
    const space = line.indexOf(' ');
    const name = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (name === 'want' && OID.test(value)) wants.push(value);
    else if ((name === 'have' || name === 'shallow') && OID.test(value)) continue;
    else if (name === 'deepen' && POSITIVE.test(value)) deepen.add(name);
    else if (line === 'deepen-relative') deepen.add(line);
    else if (name === 'filter' && options.filter && FILTER.test(value)) filters += 1;
    // Another `filter`, `deepen-since` ("no commits selected"), `deepen-not`
    // (resolves a ref), `want-ref`, `sideband-all`, `packfile-uris`, `wait-for-done`: each can end
    // in a silent refusal, so they take the piped path.
    else return null;
  }
  // `deepen-relative` means something only with `deepen`.
  if (deepen.has('deepen-relative') && !deepen.has('deepen')) return null;
  // git refuses a second filter-spec ("cannot be combined").
  return wants.length > 0 && filters <= 1 && offset === body.length ? { wants } : null;
}

/** The protocol v2 command a request starts with (`fetch`, `ls-refs`, ...), or null. */
export function commandOf(body: Buffer): string | null {
  if (body.length < 4) return null;
  const length = Number.parseInt(body.toString('latin1', 0, 4), 16);
  if (!(length > 12) || body.length < length) return null;
  const line = body.toString('latin1', 4, length).replace(/\n$/, '');
  return line.startsWith('command=') ? line.slice('command='.length) : null;
}
