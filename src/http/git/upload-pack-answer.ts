import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isProtocolV2, sanitizeGitProtocol, spawnGitService, spawnUploadPackInto, stopGitProcess } from '../../git/git-service.js';
import { fetchFeatures } from '../../git/capability-advertisement.js';
import type { AnswerKey } from '../../git/answer-key.js';
import type { AnswerFile, AnswerInProgress, KeptAnswer, PackAnswerCache } from '../../git/pack-answer-cache.js';
import { commandOf, MAX_DIRECT_REQUEST_BYTES, plainV2Fetch } from '../../git/upload-pack-request.js';
import { capabilityCache, lsRefsCache as lsRefs } from './answer-caches.js';
import { fileChunks, sendChunks, socketForGit, writeHeadForGit } from './direct-response.js';
import { answerGitRefusal, answerText, setNoCacheHeaders } from './git-answers.js';
import type { GitAccess } from './git-access.js';
import { firstChunk, superviseGitChild } from './git-output.js';
import { bodyStages, createMeter, gitBodyEncoding, isReadable, readWhole } from './request-body.js';

const gunzipAsync = promisify(gunzip);

const RESULT_TYPE = 'application/x-git-upload-pack-result';

/**
 * `POST .../git-upload-pack`: git's answer to a clone or fetch. Three ways to the client:
 * - kept: a protocol v2 `fetch` asked before while the refs were as they are now is answered from
 *   the pack answer cache (src/git/pack-answer-cache.ts) without starting git; one git has to
 *   answer, about refs that have settled, is written by git into the cache and sent from there
 *   (to every request for it that comes meanwhile);
 * - direct: over plain HTTP, a protocol v2 `fetch` that git answers before it can fail is given
 *   the client's socket as git's stdout. The pack (most of what a clone moves) never passes through
 *   this process: no pipe to read, no Buffers, no chunked framing; the connection closes after it.
 * - piped: everything else (TLS, protocol v0, unusual requests) streams git's stdout to the
 *   response, and the status is chosen after git's first output: a git that refuses the request
 *   before saying anything gets a clean 400.
 * A protocol v2 `ls-refs` (small) is answered whole, from a cache while the refs have not changed.
 */
export async function answerUploadPack(request: FastifyRequest, reply: FastifyReply, access: GitAccess, packAnswers: PackAnswerCache | null) {
  const body = request.body;
  if (!isReadable(body)) {
    return answerText(reply, 415, 'Expected a request with Content-Type application/x-git-upload-pack-request.');
  }
  const protocol = sanitizeGitProtocol(request.headers['git-protocol']);
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  // git sends small requests (up to http.postBuffer) with a Content-Length: those are read whole
  // and looked at. A chunked one is a large negotiation and streams to git as it comes.
  if (isProtocolV2(protocol) && declared <= MAX_DIRECT_REQUEST_BYTES) {
    const raw = await readWhole(body, declared);
    if (!raw) return reply; // the client went away mid-request
    const plain = await inflated(raw, request.headers['content-encoding']);
    if (plain && commandOf(plain) === 'ls-refs') return answerLsRefs(request, reply, access, protocol, plain);
    const fetch = plain && plainV2Fetch(plain, { filter: allowsFilter(access.repoDir, protocol) });
    if (plain && fetch) {
      if (packAnswers && (await answerThroughCache(request, reply, access, packAnswers, protocol, plain, fetch.wants))) return reply;
      const socket = socketForGit(request, reply);
      if (socket) return answerDirect(request, reply, access, socket, protocol, plain);
    }
    return answerPiped(request, reply, access, protocol, Readable.from([raw]));
  }
  return answerPiped(request, reply, access, protocol, body);
}

async function answerDirect(
  request: FastifyRequest,
  reply: FastifyReply,
  access: GitAccess,
  socket: NonNullable<ReturnType<typeof socketForGit>>,
  protocol: string | undefined,
  input: Buffer,
) {
  setNoCacheHeaders(reply);
  reply.type(RESULT_TYPE);
  if (!(await writeHeadForGit(reply, socket, 200))) return;
  let child: ReturnType<typeof spawnUploadPackInto>;
  try {
    child = spawnUploadPackInto(socket, { repoDir: access.repoDir, protocol });
  } catch (error) {
    // The head is out: all that is left to say is that the answer ends here, empty.
    request.log.error({ err: error }, 'could not start git');
    socket.destroy();
    return;
  }
  // Node stops reading a socket it hands to a child; reading on is how a client that goes away is
  // noticed (the socket closes, and superviseGitChild stops git).
  socket.resume();
  const supervised = superviseGitChild(request, reply, child);
  child.stdin.end(input);
  const exit = await supervised.exited;
  if (exit.code !== 0 && !socket.destroyed) {
    request.log.warn({ code: exit.code, signal: exit.signal, stderr: supervised.stderr() }, 'git-upload-pack failed while answering');
  }
  logHijacked(reply);
  socket.destroySoon();
}

/**
 * Answers from, or through, the pack answer cache: a kept answer; or the one being written for the
 * same request (a CI fleet's clones arrive together: one git serves them all); or a new one git
 * writes into the cache (src/git/pack-answer-cache.ts), sent as it grows. False when this answer is
 * not kept, or git wrote not a byte of it: then git answers as before.
 */
async function answerThroughCache(
  request: FastifyRequest,
  reply: FastifyReply,
  access: GitAccess,
  cache: PackAnswerCache,
  protocol: string | undefined,
  input: Buffer,
  wants: string[],
): Promise<boolean> {
  const keyNow = () => cache.keyOf(access.repoDir, protocol, input, wants);
  const key = keyNow();
  if (!key) return false;
  const kept = await cache.open(key.key);
  if (kept) {
    await answerKept(reply, kept);
    return true;
  }
  let answer = await cache.follow(key.key);
  if (!answer && key.settled) {
    // Another request may have started the same answer meanwhile: then this one follows it.
    const file = await cache.create(key.key);
    if (file) writeAnswer(request, access, file, keyNow, protocol, input);
    answer = await cache.follow(key.key);
  }
  return answer ? answerFollowing(reply, answer) : false;
}

async function answerKept(reply: FastifyReply, kept: KeptAnswer) {
  setNoCacheHeaders(reply);
  reply.type(RESULT_TYPE);
  const chunks = fileChunks(kept.handle);
  try {
    const first = await chunks.next();
    await sendChunks(reply, first.done ? undefined : first.value, chunks, kept.bytes);
  } finally {
    await kept.handle.close();
  }
  logHijacked(reply);
}

/**
 * git writes the answer into the cache's file. It is not tied to the request that started it: it
 * writes to a file, not to a client, so it runs to its end whatever the client does, and others may
 * be following the file. The answer is kept if git ended well and the refs did not move meanwhile.
 */
function writeAnswer(request: FastifyRequest, access: GitAccess, file: AnswerFile, keyNow: () => AnswerKey | null, protocol: string | undefined, input: Buffer) {
  let child: ReturnType<typeof spawnUploadPackInto>;
  try {
    child = spawnUploadPackInto(file.fd, { repoDir: access.repoDir, protocol });
  } catch (error) {
    request.log.error({ err: error }, 'could not start git');
    void file.finish(false, keyNow);
    return;
  }
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2048);
  });
  child.stdin.on('error', () => undefined); // EPIPE when git stops reading early; its exit says why
  child.on('error', (error) => request.log.error({ err: error }, 'could not start git'));
  child.once('close', (code, signal) => {
    if (code !== 0) request.log.warn({ code, signal, stderr: stderr.trim() }, 'git-upload-pack failed while answering');
    void file.finish(code === 0, keyNow);
  });
  child.stdin.end(input);
}

/**
 * Sends an answer as git writes it. It ends once the answer is whole and kept, so a client that has
 * all of it finds it kept when it asks again. One cut short by git's failure ends the connection
 * (the client sees it cut short); one git wrote not a byte of is left to git (false).
 */
async function answerFollowing(reply: FastifyReply, answer: AnswerInProgress): Promise<boolean> {
  async function* wholeAnswer() {
    yield* fileChunks(answer.handle, answer.whole);
    if (!(await answer.whole)) throw new Error('the answer was cut short');
  }
  const chunks = wholeAnswer();
  try {
    const first = await chunks.next().catch(() => null);
    if (!first || first.done) return false;
    setNoCacheHeaders(reply);
    reply.type(RESULT_TYPE);
    await sendChunks(reply, first.value, chunks);
  } finally {
    await answer.handle.close();
  }
  logHijacked(reply);
  return true;
}

/** Fastify logs a hijacked request no more: the same line it would have written. */
function logHijacked(reply: FastifyReply) {
  reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
}

/**
 * `ls-refs`, from the cache while the refs it lists have not changed (src/git/ls-refs-cache.ts);
 * otherwise from git, whose small answer is read whole, then sent and kept.
 */
async function answerLsRefs(request: FastifyRequest, reply: FastifyReply, access: GitAccess, protocol: string | undefined, input: Buffer) {
  const key = lsRefs.keyOf(access.repoDir, protocol, input);
  const cached = key === null ? undefined : lsRefs.get(key);
  setNoCacheHeaders(reply);
  reply.type(RESULT_TYPE);
  if (cached) return reply.send(cached);
  const child = spawnGitService({ service: 'git-upload-pack', repoDir: access.repoDir, advertiseRefs: false, protocol });
  const supervised = superviseGitChild(request, reply, child);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdin.end(input);
  const exit = await supervised.exited;
  const answer = Buffer.concat(chunks);
  if (exit.code === 0 && key !== null) lsRefs.remember(key, access.repoDir, protocol, input, answer);
  if (answer.length === 0 && exit.code !== 0) {
    // As on the piped path: git refused before saying anything.
    return answerGitRefusal(request, reply, 'git-upload-pack', exit, supervised.stderr());
  }
  return reply.send(answer);
}

async function answerPiped(request: FastifyRequest, reply: FastifyReply, access: GitAccess, protocol: string | undefined, source: Readable) {
  const stages = bodyStages(request.headers['content-encoding'], createMeter({}));
  if (!stages) return answerText(reply, 415, 'Unsupported Content-Encoding: send the body plain or gzip-compressed.');
  const child = spawnGitService({ service: 'git-upload-pack', repoDir: access.repoDir, advertiseRefs: false, protocol });
  const supervised = superviseGitChild(request, reply, child);
  let badBody = false;
  const dropRest = () => {
    source.unpipe();
    source.resume();
  };
  // The request stream stays out of the pipeline: a failing stage must not destroy the socket the
  // answer still has to travel on. What the client sends after a failure is read and dropped.
  pipeline([...stages, child.stdin], (error) => {
    if (!error) return;
    badBody = (error as NodeJS.ErrnoException).code?.startsWith('Z_') ?? false;
    stopGitProcess(child, 1000);
    dropRest();
  });
  source.on('error', () => stopGitProcess(child));
  source.pipe(stages[0]!);

  const first = await firstChunk(child.stdout);
  setNoCacheHeaders(reply);
  reply.type(RESULT_TYPE);
  if (first) {
    // git's stdout itself is the body: one hop from git to the socket, no PassThrough between.
    child.stdout.unshift(first);
    return reply.send(child.stdout);
  }
  const exit = await supervised.exited;
  if (badBody) return answerText(reply, 400, 'The request body is not valid gzip data.');
  if (exit.code !== 0) {
    return answerGitRefusal(request, reply, 'git-upload-pack', exit, supervised.stderr());
  }
  return reply.send('');
}

/** The body as git reads it, or null when it is not valid gzip or inflates past the direct path's limit. */
async function inflated(raw: Buffer, contentEncoding: string | undefined): Promise<Buffer | null> {
  const encoding = gitBodyEncoding(contentEncoding);
  if (encoding === 'identity') return raw;
  if (encoding === null) return null;
  return gunzipAsync(raw, { maxOutputLength: MAX_DIRECT_REQUEST_BYTES + 1 }).catch(() => null);
}

/** Whether git said, in the advertisement it made for this configuration, that it accepts `filter`. */
function allowsFilter(repoDir: string, protocol: string | undefined): boolean {
  const advertised = capabilityCache.lookup(repoDir, protocol).bytes;
  return advertised !== null && fetchFeatures(advertised).has('filter');
}
