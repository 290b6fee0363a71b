import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUrlSafe } from '../../lib/crypto.js';
import type { Caller } from '../../domain/auth/actor.js';
import type { LeakService } from '../../domain/leaks/leak-service.js';
import type { Repo } from '../../domain/repos/repo-store.js';
import { installHooksDir, PRE_RECEIVE_SCRIPT } from '../../git/push-hooks.js';

interface PushContext {
  repo: Repo;
  repoDir: string;
  pusher: Caller;
}

const MAX_HOOK_BODY = 1024 * 1024;

/**
 * The way back from git's pre-receive hook to the Gitgate process that started the push: a Unix
 * socket only this process listens on (mode 0600), and a one-time secret per push. The hook hands
 * over the ref updates and the quarantine variables; the leak service decides.
 */
export async function startHookChannel(options: { dataDir: string; leaks: LeakService; onError: (error: unknown) => void }) {
  const hooksPath = installHooksDir(options.dataDir);
  const socketPath = path.join(os.tmpdir(), `gitgate-hooks-${process.pid}-${randomUrlSafe(6)}.sock`);
  const pushes = new Map<string, PushContext>();

  const server = http.createServer((request, response) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HOOK_BODY) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', async () => {
      const answer = (verdict: { blocked: boolean; lines: string[] }) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
      };
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          secret?: string;
          updates?: { oldSha: string; newSha: string; ref: string }[];
          env?: Record<string, string | undefined>;
        };
        const context = body.secret ? pushes.get(body.secret) : undefined;
        if (!context || !Array.isArray(body.updates)) return answer({ blocked: true, lines: ['Push refused: unknown push.'] });
        answer(await options.leaks.checkPush({ ...context, updates: body.updates, quarantineEnv: body.env ?? {} }));
      } catch (error) {
        options.onError(error);
        answer({ blocked: true, lines: ['Push refused: Gitgate could not check it for leaked tokens. Try again.'] });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);

  return {
    /** Registers a push; the returned git config and environment make its hook call back here. */
    register(context: PushContext) {
      const secret = randomUrlSafe(32);
      pushes.set(secret, context);
      return {
        configArgs: ['-c', `core.hooksPath=${hooksPath}`],
        env: { GITGATE_HOOK_SOCKET: socketPath, GITGATE_HOOK_SECRET: secret, GITGATE_NODE: process.execPath, GITGATE_HOOK_SCRIPT: PRE_RECEIVE_SCRIPT },
        release: () => pushes.delete(secret),
      };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketPath, { force: true });
    },
  };
}

export type HookChannel = Awaited<ReturnType<typeof startHookChannel>>;
