import { PassThrough, pipeline, Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import { sanitizeGitProtocol, spawnGitService, stopGitProcess } from '../../git/git-service.js';
import { FLUSH_PACKET } from '../../git/pkt-line.js';
import {
  buildPushRefusal,
  createPushRequestWatcher,
  createReportStatusWatcher,
  type PushRequestHead,
} from '../../git/receive-pack-protocol.js';
import { answerGitRefusal, answerText, setNoCacheHeaders } from './git-answers.js';
import type { GitAccess } from './git-access.js';
import { firstChunk, superviseGitChild } from './git-output.js';
import type { HookChannel } from './hook-channel.js';
import { bodyStages, createMeter, isReadable, PushTooLargeError, readWhole } from './request-body.js';

export type ReceivePackDeps = { services: Services; config: Config; hooks?: HookChannel | null };

/** Why Gitgate cut a push short itself, decided before git said anything. */
type Interruption = { kind: 'too_large' } | { kind: 'bad_body' };

/**
 * `POST .../git-receive-pack`: a push. The request streams into git through the size meter and the
 * push-command watcher; git's answer streams back, and ends only once the push is recorded.
 */
export async function answerReceivePack(request: FastifyRequest, reply: FastifyReply, deps: ReceivePackDeps, access: GitAccess) {
  const { config, services } = deps;
  if (!isReadable(request.body)) {
    return answerText(reply, 415, 'Expected a request with Content-Type application/x-git-receive-pack-request.');
  }
  let body: Readable = request.body;
  // Before a push larger than its buffer, git sends a probe, a lone flush-pkt, to learn whether it
  // may push (its credentials) before it streams the pack. receive-pack reads it and exits without
  // a word; so does this, without starting git.
  if (request.headers['content-length'] === String(FLUSH_PACKET.length) && request.headers['content-encoding'] === undefined) {
    const raw = await readWhole(body, FLUSH_PACKET.length);
    if (!raw) return reply; // the client went away mid-request
    if (raw.equals(FLUSH_PACKET)) {
      setNoCacheHeaders(reply);
      return reply.type('application/x-git-receive-pack-result').send('');
    }
    body = Readable.from([raw]);
  }
  // Filled in by stream callbacks as the exchange goes on.
  const state = {
    interruption: null as Interruption | null,
    head: null as PushRequestHead | null,
    report: null as ReturnType<typeof createReportStatusWatcher> | null,
  };

  // The push is recorded as soon as receive-pack has reported which refs it updated, while git still
  // does its housekeeping (`gc --auto`) before it exits; the answer ends once both are done.
  let recorded: Promise<void> = Promise.resolve();
  const record = () => {
    const { head, report, interruption } = state;
    const updates = head && report && !interruption ? report.succeeded(head.commands) : [];
    if (updates.length === 0) return;
    const actor = access.actor;
    const tokenId = actor.kind === 'user' ? (actor.token?.id ?? null) : null;
    recorded = services.repos.recordPush(access.repo, actor, updates, tokenId, request.ip).catch((error: unknown) => {
      request.log.error({ err: error }, 'could not record a push');
    });
  };
  const pushWatcher = createPushRequestWatcher((parsed) => {
    state.head = parsed;
    if (parsed) state.report = createReportStatusWatcher(parsed.capabilities, record);
    // A declared length already over the limit is refused before any of the pack travels.
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (parsed && declared > config.maxPushBytes) interrupt({ kind: 'too_large' });
  });
  const meter = createMeter({ limit: config.maxPushBytes, watch: (chunk) => pushWatcher.feed(chunk) });
  const stages = bodyStages(request.headers['content-encoding'], meter);
  if (!stages) return answerText(reply, 415, 'Unsupported Content-Encoding: send the body plain or gzip-compressed.');

  const hook = deps.hooks
    ? deps.hooks.register({ repo: access.repo, repoDir: access.repoDir, pusher: access.actor, ended: new Promise((resolve) => reply.raw.once('close', resolve)) })
    : null;
  const child = spawnGitService({
    service: 'git-receive-pack',
    repoDir: access.repoDir,
    advertiseRefs: false,
    protocol: sanitizeGitProtocol(request.headers['git-protocol']),
    maxInputBytes: config.maxPushBytes,
    configArgs: hook?.configArgs,
    env: hook?.env,
    channelFd: hook !== null,
  });
  hook?.attach(child);
  const supervised = superviseGitChild(request, reply, child);
  function interrupt(why: Interruption) {
    state.interruption ??= why;
    stopGitProcess(child, 1000);
    dropRestOfBody();
  }
  function dropRestOfBody() {
    body.unpipe();
    body.resume();
  }

  // The request stream stays out of the pipeline: a failing stage must not destroy the socket the
  // answer still has to travel on. What the client sends after an interruption is read and dropped.
  pipeline([...stages, child.stdin], (error) => {
    pushWatcher.end();
    if (!error) return;
    if (error instanceof PushTooLargeError) interrupt({ kind: 'too_large' });
    else if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) interrupt({ kind: 'bad_body' });
    else stopGitProcess(child);
    dropRestOfBody();
  });
  body.on('error', () => stopGitProcess(child));
  body.pipe(stages[0]!);

  // git's stdout reaches the client through `output`, which ends only once the push is recorded:
  // a client that sees its push succeed finds it in the audit log.
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  child.stdout.on('data', (chunk: Buffer) => state.report?.feed(chunk));
  supervised.exited.then(async () => {
    await recorded;
    output.end();
  });

  const first = await firstChunk(output);
  setNoCacheHeaders(reply);
  reply.type('application/x-git-receive-pack-result');
  if (first) {
    output.unshift(first);
    return reply.send(output);
  }

  const exit = await supervised.exited;
  const { head, interruption } = state;
  if (interruption?.kind === 'too_large') {
    const message = `push refused: it is larger than this server's limit of ${config.maxPushBytes} bytes`;
    const refusal = head ? buildPushRefusal(head, message) : null;
    reply.header('connection', 'close');
    if (refusal) return reply.send(refusal);
    return answerText(reply, 413, `Push refused: it is larger than this server's limit of ${config.maxPushBytes} bytes.`);
  }
  if (interruption?.kind === 'bad_body') return answerText(reply, 400, 'The request body is not valid gzip data.');
  if (exit.code !== 0) {
    return answerGitRefusal(request, reply, 'git-receive-pack', exit, supervised.stderr());
  }
  return reply.send('');
}
