import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { messageOf } from '../lib/errors.js';
import type { WalProgress } from './wal-index-stamp.js';

/** SQLite's default: the committing connection checkpoints once the WAL holds this many frames. */
const OWN_CHECKPOINT_FRAMES = 1000;
/** While the thread checkpoints, the server's connection still does past this many: a safety valve. */
const FALLBACK_CHECKPOINT_FRAMES = 10_000;
/** Frames committed between two ticks that start the thread (2 MB a second at 4 KB pages). */
const BUSY_FRAMES_PER_TICK = 500;
/** Frames not yet copied, under which a tick counts as quiet. */
const QUIET_FRAMES = 50;

export interface WalCheckpointerOptions {
  file: string;
  /** Where the WAL stands now (wal-index-stamp.ts), or null when that cannot be read. */
  progress: () => WalProgress | null;
  /** Sets the server's own connection's `wal_autocheckpoint`. */
  setOwnCheckpointFrames: (frames: number) => void;
  tickMs?: number;
  /** Quiet ticks in a row after which the thread stops. */
  quietTicks?: number;
  /** How often the thread checkpoints. */
  everyMs?: number;
  /** Told when the thread fails (default: one line on stderr). */
  onError?: (error: unknown) => void;
}

export interface WalCheckpointer {
  /** Whether the thread is checkpointing now. */
  readonly running: boolean;
  close(): Promise<void>;
}

/**
 * A checkpoint copies committed pages from the WAL into the database file and syncs both to disk.
 * SQLite runs it on the connection whose commit takes the WAL past 1,000 frames, synchronously: on
 * the server's one connection, that is the event loop waiting for two fsyncs. Under frequent writes
 * (the cold token load writes a row never written before per request) the loop waited ~55 us a
 * written row for them, most of it for the disk (a row took 75 us against 19 us with no checkpoint).
 *
 * So while writes are frequent, a thread of its own checkpoints every `everyMs`, in PASSIVE mode:
 * it never waits for, nor holds up, a reader or a writer, and copies what no reader still needs.
 * The server's connection then checkpoints only if the thread falls 10,000 frames behind.
 * The thread starts when a tick finds 500 frames committed since the last one, and stops after
 * `quietTicks` ticks in a row that find fewer than 50 frames not yet copied. It is not always there
 * because a thread costs ~10 MB of memory; writes at the pace of a person's clicks never start it.
 * If it fails, the server's connection checkpoints as before, and the thread is not tried again.
 */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const { file, progress, setOwnCheckpointFrames, tickMs = 1000, quietTicks = 30, everyMs = 100, onError = reportOnStderr } = options;
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let failed = false;
  let quiet = 0;
  let last = progress();

  function start() {
    let thread: Worker;
    try {
      thread = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, everyMs },
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
      });
    } catch (error) {
      failed = true;
      onError(error);
      return;
    }
    thread.unref();
    thread.on('error', (error) => {
      failed = true;
      onError(error);
    });
    exited = new Promise((resolve) =>
      thread.once('exit', () => {
        if (worker === thread) stopped();
        resolve();
      }),
    );
    worker = thread;
    quiet = 0;
    setOwnCheckpointFrames(FALLBACK_CHECKPOINT_FRAMES);
  }

  function stopped() {
    worker = null;
    setOwnCheckpointFrames(OWN_CHECKPOINT_FRAMES);
  }

  function stop(): Promise<void> {
    if (!worker) return exited;
    // Kept from holding the process open while it runs; its end is awaited, so now it must hold it.
    worker.ref();
    worker.postMessage('stop');
    stopped();
    return exited;
  }

  const timer = setInterval(() => {
    const now = progress();
    if (worker) {
      quiet = now !== null && now.frames - now.backfilled < QUIET_FRAMES ? quiet + 1 : 0;
      if (quiet >= quietTicks) void stop();
    } else if (!failed && last && now && framesSince(last, now) >= BUSY_FRAMES_PER_TICK) {
      start();
    }
    last = now;
  }, tickMs);
  timer.unref();

  return {
    get running() {
      return worker !== null;
    },
    close() {
      clearInterval(timer);
      return stop();
    },
  };
}

function reportOnStderr(error: unknown): void {
  process.stderr.write(`warning: the WAL checkpoint thread failed (${messageOf(error)}); the server's connection checkpoints instead\n`);
}

/**
 * Frames committed between two readings, at least. When the WAL started over in between, only the
 * new one's frames are counted: the old one's cannot be told apart from a WAL that is new (its
 * first write draws SQLite's salts at random), and counting them started the thread on a server's
 * first write after its start.
 */
function framesSince(before: WalProgress, now: WalProgress): number {
  return now.generation === before.generation ? now.frames - before.frames : now.frames;
}

/**
 * The thread's code, plain CommonJS run with `eval`: the same text from the sources (tests) and
 * the bundle. Its own connection, no busy timeout (a PASSIVE checkpoint never waits), and `exec`
 * only, so no Statement is left for the garbage collector (see withStatementCache). An error is
 * not caught: it ends the thread, and the server is told.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
const timer = setInterval(() => db.exec('PRAGMA wal_checkpoint(PASSIVE)'), workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
