import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PolicyDenied } from '../../domain/auth/policy.js';
import { formatScopesHeader } from '../../domain/tokens/scopes.js';
import { isGitgateError } from '../../lib/errors.js';

export const DOCUMENTATION_URL = 'https://docs.github.com/enterprise-server@3.19/rest';

export interface FieldError {
  resource: string;
  field: string;
  code: 'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom';
  message?: string;
}

/** GitHub's error body: `{"message", "documentation_url"}`, plus `errors` for validation. */
export function sendApiError(reply: FastifyReply, status: number, message: string, errors?: FieldError[]): FastifyReply {
  const body: Record<string, unknown> = { message, documentation_url: DOCUMENTATION_URL };
  if (errors) body.errors = errors;
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** An HTTP-level answer a handler wants to give (an empty repository's 409, say). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFoundError = () => new ApiError(404, 'Not Found');

/** The message for a visible resource the token lacks the scope to act on: it names the scopes. */
export function missingScopeMessage(accepted: readonly string[]): string {
  if (accepted.length === 0) return 'Resource not accessible by personal access token';
  const names = accepted.map((s) => `'${s}'`).join(' or ');
  return `Resource not accessible by personal access token: this needs the ${names} scope${accepted.length > 1 ? ' (any one)' : ''}.`;
}

const FIELD_CODE = { missing_field: 'missing_field', invalid: 'invalid', already_exists: 'already_exists', custom: 'custom' } as const;

/** Maps policy reasons, domain error kinds and Fastify's own errors to GitHub's statuses and words. */
export function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const resource = request.routeOptions.config?.resource ?? 'Resource';
  if (error instanceof ApiError) return sendApiError(reply, error.status, error.message, error.errors);
  if (error instanceof PolicyDenied) {
    const { reason, acceptedScopes } = error.denial;
    if (reply.getHeader('x-oauth-scopes') !== undefined) reply.header('x-accepted-oauth-scopes', formatScopesHeader(acceptedScopes));
    switch (reason) {
      case 'unauthenticated':
        return sendApiError(reply, 401, 'Requires authentication');
      case 'not_found':
        return sendApiError(reply, 404, 'Not Found');
      case 'forbidden_permission':
        return sendApiError(reply, 403, `Must have ${permissionWord(request)} rights to ${resource}.`);
      case 'forbidden_scope':
        return sendApiError(reply, 403, missingScopeMessage(acceptedScopes));
    }
  }
  if (isGitgateError(error)) {
    switch (error.kind) {
      case 'invalid':
      case 'conflict':
        return sendApiError(
          reply,
          422,
          error.kind === 'conflict' && error.fields.length === 0 ? error.message : 'Validation Failed',
          error.fields.length > 0
            ? error.fields.map((f) => ({ resource, field: f.field, code: FIELD_CODE[f.code], message: f.message }))
            : [{ resource, field: '', code: 'custom', message: error.message }],
        );
      case 'not_found':
        return sendApiError(reply, 404, 'Not Found');
      case 'unauthenticated':
        return sendApiError(reply, 401, 'Requires authentication');
      case 'forbidden':
        return sendApiError(reply, 403, error.message);
      case 'suspended':
        return sendApiError(reply, 403, 'Sorry. Your account was suspended.');
      case 'too_large':
        return sendApiError(reply, 413, error.message);
      case 'rate_limited':
        if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
        return sendApiError(reply, 429, error.message);
    }
  }
  if (error.validation) {
    const errors: FieldError[] = error.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const field = missing ?? (v.instancePath.replace(/^\//, '').replace(/\//g, '.') || String(error.validationContext ?? ''));
      return { resource, field, code: v.keyword === 'required' ? 'missing_field' : 'invalid', message: v.message };
    });
    return sendApiError(reply, 422, 'Validation Failed', errors);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
    return sendApiError(reply, 400, 'Problems parsing JSON');
  }
  const status = error.statusCode;
  if (status && status >= 400 && status < 500) return sendApiError(reply, status, error.message);
  request.log.error({ err: error }, 'unhandled API error');
  return sendApiError(reply, 500, 'Internal Server Error');
}

function permissionWord(request: FastifyRequest): string {
  return request.method === 'GET' ? 'push' : 'admin';
}
