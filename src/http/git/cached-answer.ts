import fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerKey } from '../../git/answer-key.js';
import { spawnUploadPackInto } from '../../git/git-service.js';
import type { AnswerFile, AnswerInProgress, KeptAnswer, PackAnswerCache } from '../../git/pack-answer-cache.js';
import type { SpareUploadPack, SpareUploadPacks } from '../../git/spare-upload-packs.js';
import { fileChunks, logHijacked, sendChunks } from './direct-response.js';
import { setNoCacheHeaders, UPLOAD_PACK_RESULT_TYPE } from './git-answers.js';
import type { GitAccess } from './git-access.js';
import { watchGitChild } from './git-output.js';

/** The pack answer cache, and the spare gits that write its answers. */
export interface PackAnswers {
  cache: PackAnswerCache;
  spares: SpareUploadPacks;
}

/**
 * Answers from, or through, the pack answer cache: a kept answer; or the one being written for the
 * same request (a CI fleet's clones arrive together: one git serves them all); or a new one git
 * writes into the cache (src/git/pack-answer-cache.ts), sent as it grows. False when this answer is
 * not kept, or git wrote not a byte of it: then git answers as before.
 */
export async function answerThroughCache(
  request: FastifyRequest,
  reply: FastifyReply,
  access: GitAccess,
  { cache, spares }: PackAnswers,
  protocol: string | undefined,
  input: Buffer,
  wants: string[],
): Promise<boolean> {
  const keyNow = () => cache.keyOf(access.repoDir, protocol, input, wants);
  const key = keyNow();
  if (!key) return false;
  const kept = cache.open(key.key);
  if (kept) {
    await sendKept(reply, kept);
    return true;
  }
  let answer = cache.follow(key.key);
  if (!answer && key.settled) {
    const spare = spares.take(access.repoDir, protocol, key.setting);
    const file = cache.create(key.key, spare?.blank);
    if (file) {
      writeAnswer(request, access, file, keyNow, protocol, input, spare);
      // While git works on this answer: starting one blocks this process for a few milliseconds.
      setImmediate(() => spares.missed(access.repoDir, protocol, key.setting, spare !== null));
    } else {
      spare?.abandon();
    }
    answer = cache.follow(key.key);
  }
  return answer ? answerFollowing(reply, answer) : false;
}

async function sendKept(reply: FastifyReply, kept: KeptAnswer) {
  setNoCacheHeaders(reply);
  reply.type(UPLOAD_PACK_RESULT_TYPE);
  const chunks = fileChunks(kept.fd, { bytes: kept.bytes });
  try {
    const first = await chunks.next();
    await sendChunks(reply, first.done ? undefined : first.value, chunks, kept.bytes);
  } finally {
    fs.close(kept.fd, () => undefined);
  }
  logHijacked(reply);
}

/**
 * git writes the answer into the cache's file: a spare git started for it already (see
 * src/git/spare-upload-packs.ts), or one started now. It is not tied to the request that started
 * it: it writes to a file, not to a client, so it runs to its end whatever the client does, and
 * others may be following the file. The answer is kept if git ended well and the refs did not move
 * meanwhile.
 */
function writeAnswer(
  request: FastifyRequest,
  access: GitAccess,
  file: AnswerFile,
  keyNow: () => AnswerKey | null,
  protocol: string | undefined,
  input: Buffer,
  spare: SpareUploadPack | null,
) {
  let child: SpareUploadPack['child'];
  try {
    child = spare?.child ?? spawnUploadPackInto(file.fd, { repoDir: access.repoDir, protocol });
  } catch (error) {
    request.log.error({ err: error }, 'could not start git');
    file.finish(false, keyNow);
    return;
  }
  const watched = watchGitChild(request, child);
  // Node may report a failed start without a 'close': followers must not wait for one.
  child.on('error', () => file.finish(false, keyNow));
  void watched.exited.then(({ code, signal }) => {
    if (code !== 0) request.log.warn({ code, signal, stderr: watched.stderr() }, 'git-upload-pack failed while answering');
    return file.finish(code === 0, keyNow);
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
    yield* fileChunks(answer.fd, { writerDone: answer.whole });
    if (!(await answer.whole)) throw new Error('the answer was cut short');
  }
  const chunks = wholeAnswer();
  try {
    const first = await chunks.next().catch(() => null);
    if (!first || first.done) return false;
    setNoCacheHeaders(reply);
    reply.type(UPLOAD_PACK_RESULT_TYPE);
    await sendChunks(reply, first.value, chunks);
  } finally {
    fs.close(answer.fd, () => undefined);
  }
  logHijacked(reply);
  return true;
}
