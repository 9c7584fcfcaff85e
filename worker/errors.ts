/**
 * The HTTP layer's one error type. Handlers and services throw `AppError`; `app.onError` renders it
 * once as `{ error: { code, message, details? } }` (SPEC §4). Messages are written for the caller
 * and never carry tokens, secrets or attendee emails.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type AppErrorCode =
  | 'validation_failed'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'unprocessable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'provider_failed'
  | 'unavailable'
  | 'internal';

const statusOf: Record<AppErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  unprocessable: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  provider_failed: 502,
  unavailable: 503,
  internal: 500,
};

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = statusOf[code];
  }

  toBody(): { error: { code: AppErrorCode; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const validationFailed = (problems: FieldProblem[]) =>
  new AppError(
    'validation_failed',
    `Invalid request: ${problems.map((p) => `${p.field || 'body'}: ${p.message}`).join('; ')}`,
    { fields: problems },
  );

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (why: string) => new AppError('forbidden', why);

/** Postgres SQLSTATEs that are the caller's fault, mapped to 4xx instead of a 500. */
export function fromDatabaseError(error: unknown): AppError | undefined {
  const code = findSqlState(error);
  switch (code) {
    case '23514':
      return new AppError('validation_failed', 'A value is out of its allowed range');
    case '23505':
      return new AppError('conflict', 'The resource already exists');
    case '23503':
      return new AppError('unprocessable', 'A referenced resource does not exist');
    case '22P02':
      return new AppError('validation_failed', 'A value has an invalid format');
    case '22021': // NUL or an invalid byte sequence in text
    case '22P05': // a character the database encoding cannot hold
      return new AppError('validation_failed', 'A text value contains characters that cannot be stored');
    case '42501':
      return forbidden('Not allowed for this organization or user');
    default:
      return undefined;
  }
}

export function findSqlState(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = (current as { code?: unknown }).code;
    if (typeof candidate === 'string' && /^[0-9A-Z]{5}$/.test(candidate)) return candidate;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
