import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * GitHub's JSON body rules: any content type is read as JSON (curl's default form type included),
 * an empty body is no body, and text that is not JSON is 400 "Problems parsing JSON".
 */
function parseJsonBody(_request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) {
  if (body.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(body));
  } catch {
    done(Object.assign(new Error('Problems parsing JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }));
  }
}

/** Makes a plugin (REST or GraphQL) read every request body by GitHub's JSON rules. */
export function readBodiesAsJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);
}
