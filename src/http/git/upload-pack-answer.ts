import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isProtocolV2, sanitizeGitProtocol, spawnGitService, spawnUploadPackInto, stopGitProcess } from '../../git/git-service.js';
import { fetchFeatures } from '../../git/capability-advertisement.js';
import { commandOf, MAX_DIRECT_REQUEST_BYTES, plainV2Fetch } from '../../git/upload-pack-request.js';
import { capabilityCache, lsRefsCache as lsRefs } from './answer-caches.js';
import { answerThroughCache, type PackAnswers } from './cached-answer.js';
import { logHijacked, socketForGit, writeHeadForGit } from './direct-response.js';
import { answerGitRefusal, answerText, setNoCacheHeaders, UPLOAD_PACK_RESULT_TYPE } from './git-answers.js';
import type { GitAccess } from './git-access.js';
import { firstChunk, superviseGitChild } from './git-output.js';
import { bodyStages, createMeter, gitBodyEncoding, isReadable, readWhole } from './request-body.js';

const gunzipAsync = promisify(gunzip);

/**
 * `POST .../git-upload-pack`: git's answer to a clone or fetch. Three ways to the client:
 * - kept (src/http/git/cached-answer.ts): a protocol v2 `fetch` asked before while the refs were
 *   as they are now is answered from the pack answer cache without starting git; one git has to
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
export async function answerUploadPack(request: FastifyRequest, reply: FastifyReply, access: GitAccess, packAnswers: PackAnswers | null) {
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
  reply.type(UPLOAD_PACK_RESULT_TYPE);
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
 * `ls-refs`, from the cache while the refs it lists have not changed (src/git/ls-refs-cache.ts);
 * otherwise from git, whose small answer is read whole, then sent and kept.
 */
async function answerLsRefs(request: FastifyRequest, reply: FastifyReply, access: GitAccess, protocol: string | undefined, input: Buffer) {
  const key = lsRefs.keyOf(access.repoDir, protocol, input);
  const cached = key === null ? undefined : lsRefs.get(key);
  setNoCacheHeaders(reply);
  reply.type(UPLOAD_PACK_RESULT_TYPE);
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
  reply.type(UPLOAD_PACK_RESULT_TYPE);
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
