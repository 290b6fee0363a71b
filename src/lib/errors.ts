/** The one error type domain code throws. It names a kind and a stable code, never an HTTP status. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'suspended';

export interface FieldProblem {
  field: string;
  code: 'missing_field' | 'invalid' | 'already_exists' | 'custom';
  message: string;
}

export class GitgateError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly fields: FieldProblem[];
  readonly retryAfterSeconds?: number;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    extra: { fields?: FieldProblem[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'GitgateError';
    this.kind = kind;
    this.code = code;
    this.fields = extra.fields ?? [];
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export function invalid(code: string, field: string, message: string, fieldCode: FieldProblem['code'] = 'invalid') {
  return new GitgateError('invalid', code, message, { fields: [{ field, code: fieldCode, message }] });
}

export function notFound(code: string, message: string) {
  return new GitgateError('not_found', code, message);
}

export function conflict(code: string, field: string, message: string) {
  return new GitgateError('conflict', code, message, { fields: [{ field, code: 'already_exists', message }] });
}

export function isGitgateError(error: unknown): error is GitgateError {
  return error instanceof GitgateError;
}

/** What went wrong, in words, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
