import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type * as z from 'zod';
import { isDatabaseGoingAway, isPoolSaturated } from '../adapters/postgres/pool.ts';
import { type ErrorCode, VigieError, isVigieError } from '../core/errors.ts';
import { jsonDepthExceeds } from '../core/json-depth.ts';
import { isKnownText, keepIfKnown } from '../core/scrub.ts';

/**
 * The HTTP mapping of `VigieError` codes, written once (docs/architecture.md, principle 6). Every error
 * body is `{code, message, requestId}`; anything that is not a `VigieError` becomes an opaque
 * 500 `{code: 'INTERNAL', requestId}` so driver messages never reach a client.
 */
const statusByCode: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** Context variables the error layer relies on (set by `requestIdMiddleware`). */
export type RequestIdVariables = { requestId: string };

export interface ErrorBody {
  code: ErrorCode;
  message?: string;
  requestId: string;
}

/** Default request body cap: the privacy API takes small JSON documents only. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export function httpStatusFor(code: ErrorCode): ContentfulStatusCode {
  return statusByCode[code] ?? 500;
}

/** Hono's `requestId` shape check, kept: letters, digits, `_`, `-` and `=`, at most 128. */
const REQUEST_ID_SHAPE = /^[\w\-=]{1,128}$/;

/**
 * Honours an inbound `X-Request-Id` (so a trace can be followed) or makes a UUID. The id is
 * written to audit rows (`audit_log.request_id`), so a client's own is kept only when made of
 * known words and ids (core/scrub.ts): `Jean-Dupont` passes the shape check but is a name.
 * Hono's `requestId` sets the same `requestId` variable and response header.
 */
export function requestIdMiddleware(): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async (c, next) => {
    const inbound = c.req.header('X-Request-Id');
    const id =
      inbound !== undefined && REQUEST_ID_SHAPE.test(inbound) && isKnownText(inbound)
        ? inbound
        : crypto.randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  };
}

/** Rejects bodies over `maxBytes` (by Content-Length or while streaming) with a JSON 413. */
export function bodyLimitMiddleware(maxBytes = DEFAULT_BODY_LIMIT_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new VigieError(
        'PAYLOAD_TOO_LARGE',
        `Request body is larger than ${maxBytes} bytes: send a smaller document.`,
        { details: { maxBytes } },
      );
    },
  });
}

/** Builds the JSON error response for any thrown value. */
export function errorResponse(thrown: unknown, c: Context): Response {
  const id = requestIdOf(c);
  const error = isPoolSaturated(thrown)
    ? new VigieError('UNAVAILABLE', 'The database is busy: retry shortly.', {
        details: { retryAfterSeconds: 1 },
      })
    : isDatabaseGoingAway(thrown)
      ? new VigieError('UNAVAILABLE', 'The database is restarting: retry shortly.', {
          details: { retryAfterSeconds: 1 },
        })
      : thrown;
  if (isVigieError(error)) {
    const status = httpStatusFor(error.code);
    if (status === 500) return internal(c, id);
    if (error.code === 'RATE_LIMITED' || error.details?.retryAfterSeconds !== undefined) {
      const retryAfter = Number(error.details?.retryAfterSeconds);
      c.header('Retry-After', String(Number.isFinite(retryAfter) ? Math.ceil(retryAfter) : 1));
    }
    const body: ErrorBody = { code: error.code, message: error.message, requestId: id };
    return c.json(body, status);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx (e.g. a malformed request it refused before our code ran).
    const code = codeForStatus(error.status);
    const body: ErrorBody = { code, message: error.message || 'Bad request.', requestId: id };
    return c.json(body, httpStatusFor(code));
  }
  return internal(c, id);
}

/** `app.onError`: maps and, for the opaque 500 only, logs the error class with the request id. */
export const onError: ErrorHandler = (error, c) => {
  const response = errorResponse(error, c);
  if (response.status === 500) {
    // The class name only: messages of unknown errors may carry personal data or secrets.
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'unhandled error',
        // The id may be the client's own X-Request-Id: it is logged only when made of known
        // words and ids (core/scrub.ts), never as whatever text a client sent.
        requestId: keepIfKnown(requestIdOf(c)),
        errorClass: error instanceof Error ? keepIfKnown(error.constructor.name) : typeof error,
        ...(isVigieError(error) ? { errorCode: error.code } : {}),
      }),
    );
  }
  return response;
};

/** `app.notFound`: unknown routes answer JSON like every other error. */
export const notFound: NotFoundHandler = (c) => {
  const path = c.req.path;
  const body: ErrorBody = {
    code: 'NOT_FOUND',
    // Echoed for the caller's sake, cut so a 15,000-character path costs nothing.
    message: `No route for ${c.req.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}.`,
    requestId: requestIdOf(c),
  };
  return c.json(body, 404);
};

/**
 * Validates `value` with `schema`, throwing one BAD_REQUEST that names every problem. Pair it
 * with `z.strictObject` so unknown fields are refused by name instead of silently dropped.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, where));
  throw new VigieError('BAD_REQUEST', `Invalid ${where}: ${problems.join('; ')}.`, {
    details: { fields: result.error.issues.map((i) => i.path.join('.') || where) },
  });
}

/** No request document of this API nests deeper; more is refused before anything walks it. */
export const MAX_JSON_DEPTH = 32;

/** Reads the JSON body strictly: not JSON or too deep → 400; then `parseInput` with `schema`. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (error) {
    if (isVigieError(error)) throw error; // the body limit fires while the body is read
    throw new VigieError('BAD_REQUEST', 'Request body is not valid JSON.');
  }
  if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) {
    throw new VigieError(
      'BAD_REQUEST',
      `Request body is nested deeper than ${MAX_JSON_DEPTH} levels: send a flatter document.`,
    );
  }
  return parseInput(schema, raw, 'request body');
}

function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  const at = issue.path.length > 0 ? issue.path.join('.') : where;
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    const names = issue.keys.map((k) => `${prefix}${k}`);
    return `unknown field${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
  }
  return `${at}: ${issue.message}`;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'BAD_REQUEST';
  }
}

function internal(c: Context, id: string): Response {
  return c.json({ code: 'INTERNAL', requestId: id } satisfies ErrorBody, 500);
}

function requestIdOf(c: Context): string {
  const id: unknown = c.get('requestId' as never);
  return typeof id === 'string' ? id : 'unknown';
}
