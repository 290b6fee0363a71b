import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { refTips } from './answer-key.js';
import { runGit, spawnGit } from './git-command.js';

/** A string in the token format found in a blob. Whether it is live is for the domain to decide. */
export interface TokenCandidate {
  token: string;
  blob: string;
  path: string;
  line: number;
}

type Env = Record<string, string | undefined>;

/** A blob in a `--batch-check` listing (its path is known only for listings that carry one). */
interface ObjectEntry {
  sha: string;
  size: number;
  path: string;
}

export interface ScanLimits {
  maxBlobBytes: number;
  onSkippedBlob?: (blob: SkippedBlob) => void;
}

// Matches the shape only; the checksum and the database decide the rest.
const TOKEN_SHAPE = /ggp_[0-9A-Za-z]{36}/g;
const TOKEN_PREFIX = Buffer.from('ggp_');
/** A prefix cut between two pieces of a blob has at most this many bytes in the first. */
const SEAM_BYTES = TOKEN_PREFIX.length - 1;

/**
 * Below this much reading (estimated by readCostUs: ~4 ms, about what starting a second process
 * costs this one) one `cat-file` reads all the blobs; above it the list is cut in two halves of
 * equal cost, read by two at once. Reading the blobs is the scan's whole cost, and while the
 * pre-receive hook waits nothing else of the push runs: a second core halves the wait.
 */
const PARALLEL_READ_US = 4000;
/**
 * A quarantine whose packs hold more than this gets two readers started beside the listing: its
 * blobs are most likely past PARALLEL_READ_US (they are stored compressed, mostly as deltas).
 */
const PARALLEL_PACK_BYTES = 512 * 1024;

/** Niceness of the walk that finds paths (0 is the normal priority, 19 the lowest). */
const WALK_NICENESS = 10;

export interface SkippedBlob {
  sha: string;
  path: string;
  size: number;
}

export interface QuarantineScan {
  /** Token-shaped strings in the pushed blobs (not in those the repository already had), with paths. */
  candidates: TokenCandidate[];
  /**
   * Pushed blobs over the size limit (not read), with their paths. Finding a path takes a walk of
   * the new history, which no verdict waits for: unless the candidates needed it already, it starts
   * once `after` settles (pass the push's end, so that it takes no CPU from the push). Never rejects.
   */
  skipped(after: Promise<unknown>): Promise<SkippedBlob[]>;
}

/**
 * The objects a push adds are exactly those in its quarantine directory: listed with
 * `--batch-all-objects` over that directory alone (no walk of history), then only the blobs are read.
 * Paths come from one walk of the new commits, needed only for blobs too large to read (the warning
 * names them: that walk waits for the push's end) and for the rare blob that holds a candidate (the
 * verdict waits for it). Nothing here depends on the ref updates, so the scan can start as soon as
 * the quarantine is complete.
 */
export async function scanQuarantine(options: { repoDir: string; quarantineEnv: Env; maxBlobBytes: number }): Promise<QuarantineScan> {
  const quarantineOnly = { ...options.quarantineEnv, GIT_ALTERNATE_OBJECT_DIRECTORIES: '' };
  const check = spawnGit(['cat-file', '--batch-all-objects', '--unordered', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], {
    cwd: options.repoDir,
    extraEnv: quarantineOnly,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // The readers start while git lists the objects, and wait for their blobs on stdin: starting a
  // process from Node takes milliseconds, which the listing then hides.
  const packBytes = packBytesIn(options.quarantineEnv.GIT_OBJECT_DIRECTORY);
  const readers: Reader[] = [];
  if (packBytes > 0) readers.push(startReader(options.repoDir, options.quarantineEnv));
  if (packBytes > PARALLEL_PACK_BYTES && os.availableParallelism() > 1) readers.push(startReader(options.repoDir, options.quarantineEnv));
  const commits: string[] = [];
  const objects = await readObjectList(check, commits).catch((error: unknown) => {
    for (const reader of readers) reader.read([], new Map()).catch(() => {}); // ended: the listing's error is the one reported
    throw error;
  });
  const readable: ObjectEntry[] = [];
  const tooLarge: ObjectEntry[] = [];
  for (const object of objects) (object.size <= options.maxBlobBytes ? readable : tooLarge).push(object);

  // The refs as they are before the push: once it has ended, they say where its new history stops.
  const tipsBefore = tooLarge.length > 0 ? [...refTips(options.repoDir)] : [];
  const found = await scanBlobs(options.repoDir, options.quarantineEnv, readable, readers);

  // index-pack may have appended existing objects to complete a thin pack: those are not new.
  const fresh: TokenCandidate[] = [];
  for (const candidate of found) if (!(await existsInRepository(options.repoDir, candidate.blob))) fresh.push(candidate);
  const wanted = new Set(objects.map((o) => o.sha));
  // A candidate's path is needed for the verdict: then the walk runs now, in the quarantine, and
  // must start (read the refs, open the quarantine) before the verdict lets git move the objects.
  const walkNow = fresh.length > 0 ? pathsOf(options.repoDir, commits, ['--not', '--all'], options.quarantineEnv, wanted) : null;
  if (walkNow) await walkNow.started;
  const skipped = async (after: Promise<unknown>): Promise<SkippedBlob[]> => {
    if (tooLarge.length === 0) return [];
    let known = new Map<string, string>();
    try {
      if (walkNow) known = await walkNow.paths;
      else {
        await after;
        // After the push its objects are in the repository (or still in the quarantine, if git
        // did not move them): the new history is what the commits reach and the old refs did not.
        const quarantine = { GIT_ALTERNATE_OBJECT_DIRECTORIES: options.quarantineEnv.GIT_OBJECT_DIRECTORY };
        known = await pathsOf(options.repoDir, [...commits, ...tipsBefore.map((tip) => `^${tip}`)], [], quarantine, wanted).paths;
      }
    } catch {
      // No path, then: the blob is reported without one.
    }
    return tooLarge.map((b) => ({ sha: b.sha, size: b.size, path: known.get(b.sha) ?? '(unknown)' }));
  };
  if (!walkNow) return { candidates: [], skipped };
  const known = await walkNow.paths;
  return { candidates: fresh.map((c) => ({ ...c, path: known.get(c.blob) ?? '' })), skipped };
}

/** Every blob reachable from any ref, for a repository made public. */
export async function scanHistory(options: ScanLimits & { repoDir: string }): Promise<TokenCandidate[]> {
  const revList = spawnGit(['rev-list', '--objects', '--all'], { cwd: options.repoDir, stdio: ['ignore', 'pipe', 'ignore'] });
  const check = spawnGit(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)'], {
    cwd: options.repoDir,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  revList.stdout!.pipe(check.stdin!);
  const [objects] = await Promise.all([readObjectList(check), exitOf(revList, 'rev-list')]);
  const readable: ObjectEntry[] = [];
  for (const object of objects) {
    if (object.size <= options.maxBlobBytes) readable.push(object);
    else options.onSkippedBlob?.({ sha: object.sha, path: object.path, size: object.size });
  }
  return scanBlobs(options.repoDir, {}, readable);
}

/** The blobs in a `--batch-check` listing (`sha type size [rest]`); commits go to `commits` when given. */
async function readObjectList(child: ChildProcess, commits?: string[]): Promise<ObjectEntry[]> {
  const objects: ObjectEntry[] = [];
  const exited = exitOf(child, 'cat-file --batch-check');
  await forEachLine(child.stdout!, (line) => {
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    if (first < 0 || second < 0) return;
    const type = line.slice(first + 1, second);
    if (type === 'commit') commits?.push(line.slice(0, first));
    if (type !== 'blob') return;
    const third = line.indexOf(' ', second + 1);
    const size = Number(third < 0 ? line.slice(second + 1) : line.slice(second + 1, third));
    objects.push({ sha: line.slice(0, first), size, path: third < 0 ? '' : line.slice(third + 1) });
  });
  await exited;
  return objects;
}

/**
 * Reads the blobs through `git cat-file --batch --buffer` (one, or two at once for a large push on
 * a machine with two cores or more), holding at most one blob of at most the size limit per reader
 * in memory. `started`: readers started beforehand; one not needed is ended without blobs.
 */
async function scanBlobs(repoDir: string, env: Env, blobs: ObjectEntry[], started: Reader[] = []): Promise<TokenCandidate[]> {
  let cost = 0;
  for (const blob of blobs) cost += readCostUs(blob);
  const parts = blobs.length === 0 ? 0 : cost > PARALLEL_READ_US && blobs.length > 1 && os.availableParallelism() > 1 ? 2 : 1;
  const cut = parts === 2 ? halfByCost(blobs, cost) : blobs.length;
  const slices = parts === 0 ? [] : parts === 1 ? [blobs] : [blobs.slice(0, cut), blobs.slice(cut)];
  const readers = [...started];
  while (readers.length < slices.length) readers.push(startReader(repoDir, env));
  const paths = new Map(blobs.map((b) => [b.sha, b.path]));
  const results = await Promise.all(readers.map((reader, i) => reader.read(slices[i] ?? [], paths)));
  return results.flat();
}

/** The bytes of the packs in an object directory (0 when it holds none, or is not given). */
function packBytesIn(objectDirectory: string | undefined): number {
  if (!objectDirectory) return 0;
  const dir = path.join(objectDirectory, 'pack');
  let bytes = 0;
  try {
    for (const name of fs.readdirSync(dir)) if (name.endsWith('.pack')) bytes += fs.statSync(path.join(dir, name)).size;
  } catch {
    // No pack folder (loose objects only) or gone: no pack.
  }
  return bytes;
}

/**
 * What reading a blob costs `cat-file`, in estimated microseconds: ~15 us to find it and apply its
 * deltas whatever its size, and ~1 us per KB of content to inflate. Measured on the benchmark's push
 * of 1,000 commits: 8 large blobs held half of its 10.9 MB of blobs and were read in ~5 ms, the other
 * 2,030 in ~35 ms. Halves by bytes left nearly all the work to one reader.
 */
export function readCostUs(blob: { size: number }): number {
  return 15 + blob.size / 1024;
}

/**
 * Where to cut the listing in two halves of equal reading cost: contiguous (pack order), so that a
 * delta and its base mostly stay in one reader, and neither half empty.
 */
export function halfByCost(blobs: readonly { size: number }[], total: number): number {
  let sum = 0;
  for (let i = 0; i < blobs.length; i++) {
    sum += readCostUs(blobs[i]!);
    if (sum * 2 >= total) return Math.max(1, Math.min(i + 1, blobs.length - 1));
  }
  return blobs.length - 1;
}

/** A `cat-file --batch` waiting for the blobs to read. */
interface Reader {
  read(blobs: ObjectEntry[], paths: Map<string, string>): Promise<TokenCandidate[]>;
}

/** One `cat-file --batch`: answers "<sha> <type> <size>\n<content>\n" per object, in the order asked. */
function startReader(repoDir: string, env: Env): Reader {
  // --buffer: git writes its output in large blocks instead of flushing after every object.
  const catFile = spawnGit(['cat-file', '--batch', '--buffer'], { cwd: repoDir, extraEnv: env, stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = exitOf(catFile, 'cat-file --batch');
  exited.catch(() => {}); // awaited by read()
  catFile.stdin!.on('error', () => {}); // an early exit of git is reported by exitOf
  return { read: (blobs, paths) => readBlobs(catFile, exited, blobs, paths) };
}

async function readBlobs(catFile: ChildProcess, exited: Promise<void>, blobs: ObjectEntry[], paths: Map<string, string>): Promise<TokenCandidate[]> {
  const found: TokenCandidate[] = [];
  let header = '';
  let sha = '';
  let size = 0;
  let remaining = -1; // bytes of content + newline still to come; -1 = reading a header
  // A blob's content comes in pieces of the pipe's chunks. They are joined only when the token
  // prefix is in them: most blobs hold none, and joining them copied every byte of every push.
  let pieces: Buffer[] = [];
  let prefix = watchForPrefix();
  catFile.stdout!.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining < 0) {
        const newline = chunk.indexOf(10, offset);
        if (newline < 0) {
          header += chunk.toString('latin1', offset);
          return;
        }
        header += chunk.toString('latin1', offset, newline);
        offset = newline + 1;
        const fields = header.split(' ');
        header = '';
        if (fields[1] === 'missing' || fields.length < 3) continue; // gone meanwhile: nothing follows
        sha = fields[0]!;
        size = Number(fields[2]);
        remaining = size + 1;
        pieces = [];
        prefix = watchForPrefix();
        continue;
      }
      const take = Math.min(remaining, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      pieces.push(piece);
      prefix.feed(piece);
      offset += take;
      remaining -= take;
      if (remaining === 0) {
        if (prefix.seen) scanBlob(Buffer.concat(pieces).subarray(0, size), sha, paths.get(sha) ?? '', found);
        pieces = [];
        remaining = -1;
      }
    }
  });
  catFile.stdin!.end(blobs.length === 0 ? '' : `${blobs.map((b) => b.sha).join('\n')}\n`);
  await exited;
  return found;
}

/** Looks for the token prefix in the pieces of one blob, fed in order, also where it is cut between pieces. */
export function watchForPrefix() {
  let seen = false;
  // The last bytes fed, as many as a cut prefix can leave in the pieces before the next.
  let tail: Buffer = Buffer.alloc(0);
  return {
    get seen() {
      return seen;
    },
    feed(piece: Buffer) {
      if (seen) return;
      seen = piece.includes(TOKEN_PREFIX) || (tail.length > 0 && Buffer.concat([tail, piece.subarray(0, SEAM_BYTES)]).includes(TOKEN_PREFIX));
      tail = piece.length >= SEAM_BYTES ? piece.subarray(piece.length - SEAM_BYTES) : Buffer.concat([tail, piece]).subarray(-SEAM_BYTES);
    },
  };
}

/** The token-shaped strings in a blob the prefix was seen in (watchForPrefix), with their lines. */
function scanBlob(content: Buffer, sha: string, path: string, found: TokenCandidate[]) {
  const text = content.toString('latin1');
  for (const match of text.matchAll(TOKEN_SHAPE)) {
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ token: match[0], blob: sha, path, line });
  }
}

async function existsInRepository(repoDir: string, sha: string): Promise<boolean> {
  try {
    await runGit(['cat-file', '-e', sha], { cwd: repoDir });
    return true;
  } catch {
    return false;
  }
}

interface Walk {
  /** Settles once git has printed its first line (its refs are read) or has exited. */
  started: Promise<void>;
  paths: Promise<Map<string, string>>;
}

/**
 * The path at which each wanted blob first appears in the trees `revs` (given on stdin: commits, and
 * `^<tip>` for history to leave out) and `args` (`--not --all`) select.
 */
function pathsOf(repoDir: string, revs: string[], args: string[], env: Env, wanted: Set<string>): Walk {
  const revList = spawnGit(['rev-list', '--objects', '--stdin', ...args], { cwd: repoDir, extraEnv: env, stdio: ['pipe', 'pipe', 'ignore'] });
  // It may run beside the blob readers and receive-pack's own connectivity walk, which the verdict
  // waits for: let those have the CPU first.
  if (revList.pid !== undefined) {
    try {
      os.setPriority(revList.pid, WALK_NICENESS);
    } catch {
      // Not allowed here: it runs at the normal priority.
    }
  }
  revList.stdin!.on('error', () => {}); // an early exit of git is reported by exitOf
  revList.stdin!.end(revs.length > 0 ? `${revs.join('\n')}\n` : '');
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const exited = exitOf(revList, 'rev-list');
  exited.then(markStarted, markStarted);
  const paths = (async () => {
    const found = new Map<string, string>();
    await forEachLine(revList.stdout!, (line) => {
      markStarted();
      const space = line.indexOf(' ');
      if (space < 0) return;
      const sha = line.slice(0, space);
      if (wanted.has(sha) && !found.has(sha)) found.set(sha, line.slice(space + 1));
    });
    await exited;
    return found;
  })();
  paths.catch(() => {}); // awaited by the callers that need it
  return { started, paths };
}

/** Calls `onLine` for each line of a stream (without its newline); resolves at the end. */
async function forEachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  let rest = '';
  stream.setEncoding('utf8'); // a character cut between two chunks is joined before decoding
  for await (const chunk of stream) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      onLine(text.slice(start, newline));
      start = newline + 1;
    }
    rest = text.slice(start);
  }
  if (rest) onLine(rest);
}

function exitOf(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${what} exited with ${code}`))));
  });
}

/** The newest commit among `revs` that introduced `blob` (for messages: rare, so cost is fine). */
export async function commitIntroducing(repoDir: string, blob: string, revs: string[], env?: Env): Promise<string | null> {
  try {
    const out = await runGit(['log', '-1', '--format=%H', `--find-object=${blob}`, ...revs], { cwd: repoDir, env });
    return out.toString('utf8').trim() || null;
  } catch {
    return null;
  }
}
