/**
 * The closed set of error codes. Each transport (HTTP, CLI, Lambda) maps them exactly once;
 * anything that is not a `VigieError` becomes an opaque internal error carrying a request id.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'CONFIG_INVALID'
  | 'MIGRATION_CHANGED'
  | 'INTERNAL';

export class VigieError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable details safe to show (never personal data). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigieError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isVigieError(error: unknown): error is VigieError {
  return error instanceof VigieError;
}
