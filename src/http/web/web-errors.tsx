import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PolicyDenied } from '../../domain/auth/policy.js';
import { isGitgateError } from '../../lib/errors.js';
import { ErrorPage } from '../../views/error-pages.js';
import { loginUrl, safeReturnTo } from './return-to.js';
import type { WebKit } from './web-context.js';

const STATUS_OF_KIND: Record<string, number> = {
  invalid: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  suspended: 403,
};

/**
 * The web surface's mapping of errors to pages: not signed in -> the sign-in page (coming back
 * afterwards), not visible -> 404, not allowed -> 403, a bad CSRF token -> 403 "form expired".
 * Unexpected errors are logged and answered with a generic 500 page.
 */
export function installWebErrors(app: FastifyInstance, kit: WebKit) {
  const page = (request: Parameters<Parameters<FastifyInstance['setErrorHandler']>[0]>[1], reply: Parameters<Parameters<FastifyInstance['setErrorHandler']>[0]>[2], status: number, title: string, message: string) =>
    kit.send(reply, status, <ErrorPage ctx={kit.context(request, reply)} status={status} title={title} message={message} />);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return page(request, reply, 403, 'This form has expired', 'The form you submitted has expired or did not come from this site. Go back, reload the page, and try again.');
    }
    if (error instanceof PolicyDenied) {
      if (error.denial.reason === 'unauthenticated') {
        const back = request.method === 'GET' ? safeReturnTo(request.url) : '/';
        return kit.redirect(reply, loginUrl(back));
      }
      if (error.denial.reason === 'not_found') return page(request, reply, 404, 'Page not found', 'This is not the page you are looking for.');
      return page(request, reply, 403, 'Access denied', 'You do not have permission to do that.');
    }
    if (isGitgateError(error)) {
      const status = STATUS_OF_KIND[error.kind] ?? 400;
      if (status === 404) return page(request, reply, 404, 'Page not found', 'This is not the page you are looking for.');
      return page(request, reply, status, 'Something is not right', error.message);
    }
    const status = error.statusCode;
    if (status && status >= 400 && status < 500) return page(request, reply, status, 'Bad request', 'The request could not be understood.');
    request.log.error({ err: error }, 'unhandled error in a web page');
    return page(request, reply, 500, 'Something went wrong', 'An unexpected error occurred. It has been logged.');
  });
  // Unmatched URLs get renderNotFound (set in web-routes.ts); our own routes throw pageNotFound().
}

/** The HTML 404 page, in the layout: for unknown URLs and for pages our routes cannot find. */
export function renderNotFound(kit: WebKit, request: FastifyRequest, reply: FastifyReply) {
  return kit.send(reply, 404, <ErrorPage ctx={kit.context(request, reply)} status={404} title="Page not found" message="This is not the page you are looking for." />);
}
