import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Caller } from '../../domain/auth/actor.js';
import type { LeakService, PushVerdict } from '../../domain/leaks/leak-service.js';
import type { Repo } from '../../domain/repos/repo-store.js';
import { HOOK_CHANNEL_FD, HOOK_CHANNEL_VARIABLE, HOOK_REQUEST_MAGIC, installHooksDir } from '../../git/push-hooks.js';
import { quarantineHoldsOnly, watchQuarantinePacks } from '../../git/quarantine-packs.js';
import { parseRefCommand } from '../../git/receive-pack-protocol.js';
import type { QuarantineScan } from '../../git/token-scanner.js';

interface PushContext {
  repo: Repo;
  repoDir: string;
  pusher: Caller;
  /** Settles once the push's answer is complete (or the client has gone): what no verdict needs waits for it. */
  ended: Promise<unknown>;
}

const MAX_HOOK_REQUEST = 1024 * 1024;
/** magic, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES, GIT_QUARANTINE_PATH, updates. */
const REQUEST_FIELDS = 5;
const CANNOT_CHECK: PushVerdict = { blocked: true, lines: ['Push refused: Gitgate could not check it for leaked tokens. Try again.'] };

/** A scan started as soon as index-pack completed a quarantine's pack, before the hook asked. */
interface EarlyScan {
  pack: string;
  scan: Promise<QuarantineScan>;
}

/**
 * The way back from git's pre-receive hook to the Gitgate process that started the push: a socket
 * pair per push, one end kept here, the other given to `git receive-pack` as its fd 3 and so
 * inherited by the hook (src/git/push-hooks.ts). Only the git process started for this push and
 * its children hold it: no other process can ask for, or answer, a verdict. The hook hands over
 * the ref updates and the quarantine variables; the leak service decides.
 */
export function startHookChannel(options: { dataDir: string; leaks: LeakService; onError: (error: unknown) => void }) {
  const hooksPath = installHooksDir(options.dataDir);
  const open = new Set<Duplex>();
  // By quarantine directory (resolved): each is scanned once, whichever push's watcher saw it first.
  const early = new Map<string, EarlyScan>();

  /** Serves the hook's one request. */
  function serve(channel: Duplex, context: PushContext) {
    const chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    const answer = (verdict: PushVerdict) => {
      if (answered) return;
      answered = true;
      const lines = verdict.lines.map((line) => `${line.replace(/[\r\n]/g, ' ')}\n`).join('');
      // The end of the stream tells the hook the verdict is complete.
      channel.end(`${verdict.blocked ? 'refused' : 'ok'}\n${lines}`);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HOOK_REQUEST) {
        channel.off('data', onData);
        return answer({ blocked: true, lines: ['Push refused: too many ref updates to check at once.'] });
      }
      chunks.push(chunk);
      if (!chunk.includes(0)) return;
      const fields = Buffer.concat(chunks).toString('utf8').split('\0');
      if (fields.length <= REQUEST_FIELDS) return; // the request is not complete yet
      channel.off('data', onData);
      check(fields, context).then(answer, (error: unknown) => {
        options.onError(error);
        answer(CANNOT_CHECK);
      });
    };
    channel.on('data', onData);
  }

  async function check(fields: string[], context: PushContext): Promise<PushVerdict> {
    const [magic, objectDirectory, alternates, quarantine, input] = fields;
    if (magic !== HOOK_REQUEST_MAGIC) return CANNOT_CHECK;
    const updates = [];
    for (const line of input!.split('\n')) {
      if (!line) continue;
      const update = parseRefCommand(line);
      if (!update) return CANNOT_CHECK;
      updates.push(update);
    }
    const quarantineEnv = {
      GIT_OBJECT_DIRECTORY: objectDirectory || undefined,
      GIT_ALTERNATE_OBJECT_DIRECTORIES: alternates || undefined,
      GIT_QUARANTINE_PATH: quarantine || undefined,
    };
    // The early scan counts only if it read this very quarantine and the quarantine still holds
    // nothing but the pack it read; otherwise the scan starts now.
    const started = quarantine && quarantine === objectDirectory ? early.get(path.resolve(quarantine)) : undefined;
    const scan = started && (await quarantineHoldsOnly(quarantine!, started.pack)) ? started.scan : undefined;
    return options.leaks.checkPush({ ...context, updates, quarantineEnv, scan });
  }

  /** Starts scanning each quarantine pack of `repoDir` as soon as it is complete; returns the stop. */
  function scanEarly(repoDir: string) {
    const mine: string[] = [];
    const watcher = watchQuarantinePacks(repoDir, ({ quarantine, pack }) => {
      const key = path.resolve(quarantine);
      if (early.has(key)) return;
      const quarantineEnv = { GIT_OBJECT_DIRECTORY: quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(repoDir, 'objects'), GIT_QUARANTINE_PATH: quarantine };
      const scan = options.leaks.scanQuarantine(repoDir, quarantineEnv);
      scan.catch(() => {}); // a failed early scan is only used (and reported) if the hook asks
      early.set(key, { pack, scan });
      mine.push(key);
    });
    return () => {
      watcher.close();
      for (const key of mine) early.delete(key);
    };
  }

  return {
    /**
     * Registers a push: spawn git with the returned config and environment and with a pipe as its
     * fd 3 (`stdio[3] = 'pipe'`: Node makes it a socket pair), then `attach` the child.
     */
    register(context: PushContext) {
      return {
        configArgs: ['-c', `core.hooksPath=${hooksPath}`],
        env: { [HOOK_CHANNEL_VARIABLE]: String(HOOK_CHANNEL_FD) },
        /** Serves the hook's request on the child's fd 3; closes that end once git has exited. */
        attach(child: ChildProcess) {
          const channel = child.stdio[HOOK_CHANNEL_FD] as Duplex | null | undefined;
          if (!channel) throw new Error(`git was started without fd ${HOOK_CHANNEL_FD} for the pre-receive hook`);
          open.add(channel);
          // A hook that died mid-request (EPIPE, ECONNRESET): git refuses the push on its exit status.
          channel.on('error', () => {});
          const stopEarlyScans = scanEarly(context.repoDir);
          // Children git leaves running (`gc --auto` may detach) keep their copy: ours goes with git.
          const release = () => {
            stopEarlyScans();
            open.delete(channel);
            channel.destroy();
          };
          if (child.exitCode !== null || child.signalCode !== null) release();
          else child.once('exit', release);
          serve(channel, context);
        },
      };
    },
    async close() {
      for (const channel of open) channel.destroy();
      open.clear();
    },
  };
}

export type HookChannel = ReturnType<typeof startHookChannel>;
