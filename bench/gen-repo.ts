/**
 * The bench's test repository, built deterministically with `git fast-import` from a seeded PRNG:
 * ~20,000 commits over ~5,000 text files (many small edits) plus ~150 larger binary blobs, which
 * make most of the pack (~100-200 MB). BENCH_SCALE=0.1 builds a tenth of it for quick runs.
 *
 * Cached in bench/.cache/ under a key made of GENERATOR_VERSION and the scale: bump the version
 * whenever the output would change. Run alone with `node --import tsx bench/gen-repo.ts`.
 *
 * Besides refs/heads/main (packed alone, with a bitmap, as a served repository is after `git gc`),
 * the repository holds, in a second pack, commits the workloads send later:
 * refs/bench/next1 (one commit on top of main, for the incremental fetch) and refs/bench/push
 * (1,000 commits on top of main, for the push).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanGitEnv, envNumber, log, runOk } from './util.js';

export const GENERATOR_VERSION = 1;
const SEED = 0x6167_6174; // "gat"
const BASE_TIME = Date.UTC(2020, 0, 1) / 1000;

export interface BenchRepo {
  /** The bare repository in the cache (never served directly: workloads copy its main pack). */
  dir: string;
  scale: number;
  commits: number;
  files: number;
  pushCommits: number;
  tip: string;
  next1: string;
  push: string;
  /** The pack holding exactly refs/heads/main's history, with its .idx and .bitmap beside it. */
  mainPack: string;
  mainPackBytes: number;
  generatedInMs: number | null;
}

/** sfc32: small, fast, good enough for test data, and identical on every machine. */
function createRandom(seed: number) {
  let a = seed >>> 0;
  let b = 0x9e37_79b9;
  let c = 0x243f_6a88;
  let d = 1;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  return {
    u32: next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + (next() % (max - min + 1)),
    chance: (p: number) => next() / 0x1_0000_0000 < p,
    /** Incompressible bytes: binary assets are what makes real packs big. */
    bytes(length: number): Buffer {
      const words = new Uint32Array(Math.ceil(length / 4));
      for (let i = 0; i < words.length; i++) words[i] = next();
      return Buffer.from(words.buffer, 0, length);
    },
  };
}

type Random = ReturnType<typeof createRandom>;

interface TextFile {
  path: string;
  lines: string[];
}

/** The evolving tree and the commands that change it; the same seed replays the same history. */
function createSimulator(random: Random, fileCount: number) {
  const vocabulary: string[] = [];
  for (let i = 0; i < 400; i++) {
    let word = '';
    const length = random.int(2, 9);
    for (let j = 0; j < length; j++) word += String.fromCharCode(97 + random.int(0, 25));
    vocabulary.push(word);
  }
  const line = () => {
    const words: string[] = [];
    const count = random.int(2, 10);
    for (let i = 0; i < count; i++) words.push(vocabulary[random.int(0, vocabulary.length - 1)]!);
    return `${'  '.repeat(random.int(0, 3))}${words.join(' ')}`;
  };
  const files: TextFile[] = [];
  const dirs = Math.max(4, Math.round(fileCount / 100));
  let binaries = 0;
  let time = BASE_TIME;

  const header = (message: string, ref: string, from: string | null): Buffer[] => {
    time += random.int(60, 3600);
    const who = `Dev ${random.int(1, 40)} <dev${random.int(1, 40)}@example.com> ${time} +0000`;
    const msg = Buffer.from(`${message}\n`);
    return [
      Buffer.from(`commit ${ref}\nauthor ${who}\ncommitter ${who}\ndata ${msg.length}\n`),
      msg,
      Buffer.from(from ? `from ${from}\n` : ''),
    ];
  };
  const modify = (filePath: string, content: Buffer): Buffer[] => [
    Buffer.from(`M 100644 inline ${filePath}\ndata ${content.length}\n`),
    content,
    Buffer.from('\n'),
  ];
  const textOf = (file: TextFile) => Buffer.from(`${file.lines.join('\n')}\n`);

  return {
    files,
    /** The first commits add the files, a hundred at a time. */
    addFiles(ref: string, from: string | null, count: number): Buffer {
      const parts = header(`Add ${count} files`, ref, from);
      for (let i = 0; i < count; i++) {
        const n = files.length;
        const file = { path: `src/m${n % dirs}/f${n}.txt`, lines: [] as string[] };
        const length = random.int(10, 80);
        for (let j = 0; j < length; j++) file.lines.push(line());
        files.push(file);
        parts.push(...modify(file.path, textOf(file)));
      }
      parts.push(Buffer.from('\n'));
      return Buffer.concat(parts);
    },
    /** Most commits change a line or three in one to three files; about one in 130 adds a binary. */
    edit(ref: string, from: string | null, bigBlobChance: number): Buffer {
      const touched = random.int(1, 3);
      const parts = header(`Change ${touched} file${touched > 1 ? 's' : ''}`, ref, from);
      for (let i = 0; i < touched; i++) {
        const file = files[random.int(0, files.length - 1)]!;
        const kind = random.int(0, 9);
        const at = random.int(0, Math.max(0, file.lines.length - 1));
        if (kind < 6 || file.lines.length < 5) file.lines[at] = line();
        else if (kind < 9) file.lines.splice(at, 0, line(), line());
        else file.lines.splice(at, 2);
        parts.push(...modify(file.path, textOf(file)));
      }
      if (random.chance(bigBlobChance)) {
        // A new binary, or a new version of an old one (the history keeps both).
        const slot = binaries > 0 && random.chance(0.3) ? random.int(0, binaries - 1) : binaries++;
        parts.push(...modify(`assets/blob-${slot}.bin`, random.bytes(random.int(200_000, 1_200_000))));
      }
      parts.push(Buffer.from('\n'));
      return Buffer.concat(parts);
    },
    /** A copy of one file, so that a commit can be made later from the state of this moment. */
    snapshot(index: number): TextFile {
      const file = files[index]!;
      return { path: file.path, lines: [...file.lines] };
    },
    editSnapshot(snapshot: TextFile, ref: string, from: string): Buffer {
      snapshot.lines[0] = line();
      const parts = header('Change one line', ref, from);
      parts.push(...modify(snapshot.path, textOf(snapshot)), Buffer.from('\n'));
      return Buffer.concat(parts);
    },
  };
}

/** Streams commits into `git fast-import`, respecting backpressure. */
async function fastImport(dir: string, home: string, produce: (write: (chunk: Buffer) => Promise<void>) => Promise<void>) {
  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, env: cleanGitEnv(home), stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  const write = async (chunk: Buffer) => {
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  };
  await produce(write);
  child.stdin.end('done\n');
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr.slice(-2000)}`);
}

const CACHE_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '.cache');

export function benchScale(): number {
  return envNumber('BENCH_SCALE', 1);
}

async function revParse(dir: string, home: string, rev: string): Promise<string> {
  return (await runOk('git', ['rev-parse', rev], { cwd: dir, env: cleanGitEnv(home) })).stdout.toString().trim();
}

/** Returns the cached repository for this scale, generating it first when missing. */
export async function ensureBenchRepo(scale = benchScale()): Promise<BenchRepo> {
  const key = `repo-v${GENERATOR_VERSION}-s${scale}`;
  const dir = path.join(CACHE_ROOT, `${key}.git`);
  const metaFile = path.join(CACHE_ROOT, `${key}.json`);
  if (fs.existsSync(metaFile) && fs.existsSync(dir)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as BenchRepo;
    return { ...meta, dir, generatedInMs: null };
  }
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const home = path.join(CACHE_ROOT, 'home');
  fs.mkdirSync(home, { recursive: true });
  await runOk('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], { env: cleanGitEnv(home) });

  const commits = Math.max(50, Math.round(20_000 * scale));
  const fileCount = Math.max(100, Math.round(5_000 * scale));
  const pushCommits = Math.max(10, Math.round(1_000 * scale));
  const addCommits = Math.ceil(fileCount / 100);
  const bigBlobChance = 150 / 20_000; // the same per-commit chance at every scale
  const random = createRandom(SEED);
  const sim = createSimulator(random, fileCount);

  log(`generating ${commits} commits over ${fileCount} files (scale ${scale}) with git fast-import...`);
  await fastImport(dir, home, async (write) => {
    for (let i = 0; i < addCommits; i++) await write(sim.addFiles('refs/heads/main', null, Math.min(100, fileCount - i * 100)));
    for (let i = addCommits; i < commits; i++) await write(sim.edit('refs/heads/main', null, bigBlobChance));
  });
  // A served repository has been repacked by `git gc`: one pack and a reachability bitmap.
  await runOk('git', ['repack', '-a', '-d', '-b', '-q'], { cwd: dir, env: cleanGitEnv(home) });
  const tip = await revParse(dir, home, 'refs/heads/main');
  const packDir = path.join(dir, 'objects', 'pack');
  const mainPack = fs.readdirSync(packDir).find((name) => name.endsWith('.pack'))!.replace(/\.pack$/, '');

  const snapshot = sim.snapshot(0);
  await fastImport(dir, home, async (write) => {
    for (let i = 0; i < pushCommits; i++) await write(sim.edit('refs/bench/push', i === 0 ? tip : null, bigBlobChance));
    await write(sim.editSnapshot(snapshot, 'refs/bench/next1', tip));
  });
  await runOk('git', ['pack-refs', '--all'], { cwd: dir, env: cleanGitEnv(home) });

  const meta: BenchRepo = {
    dir,
    scale,
    commits,
    files: fileCount,
    pushCommits,
    tip,
    next1: await revParse(dir, home, 'refs/bench/next1'),
    push: await revParse(dir, home, 'refs/bench/push'),
    mainPack,
    mainPackBytes: fs.statSync(path.join(packDir, `${mainPack}.pack`)).size,
    generatedInMs: Date.now() - started,
  };
  fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  log(`generated in ${(meta.generatedInMs! / 1000).toFixed(1)} s: pack ${(meta.mainPackBytes / 1024 / 1024).toFixed(1)} MB`);
  return meta;
}

/** Puts main's pack (hard-linked when possible) and ref into an empty bare repository. */
export function installMainHistory(repo: BenchRepo, target: string): void {
  const from = path.join(repo.dir, 'objects', 'pack');
  const to = path.join(target, 'objects', 'pack');
  fs.mkdirSync(to, { recursive: true });
  for (const ext of ['pack', 'idx', 'bitmap']) {
    const source = path.join(from, `${repo.mainPack}.${ext}`);
    if (!fs.existsSync(source)) continue;
    const destination = path.join(to, `${repo.mainPack}.${ext}`);
    try {
      fs.linkSync(source, destination);
    } catch {
      fs.copyFileSync(source, destination);
    }
  }
  fs.mkdirSync(path.join(target, 'refs', 'heads'), { recursive: true });
  fs.writeFileSync(path.join(target, 'refs', 'heads', 'main'), `${repo.tip}\n`);
  fs.writeFileSync(path.join(target, 'HEAD'), 'ref: refs/heads/main\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const repo = await ensureBenchRepo();
  process.stdout.write(`${JSON.stringify(repo, null, 2)}\n`);
}
