import type * as z from 'zod';
import { VigieError } from '../../core/errors.ts';
import { retryAfterSeconds } from '../../core/retry-after.ts';

/**
 * One GET/POST to a provider's JSON API, with every way it can fail named: collectors turn
 * these into "could not read X" lines in a partial summary instead of guessing a value.
 */
export type ReadFailure =
  'server-error' | 'rate-limited' | 'malformed' | 'timeout' | 'unreachable' | 'refused';

export class ProviderReadError extends VigieError {
  readonly source: string;
  readonly reason: ReadFailure;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    source: string,
    reason: ReadFailure,
    message: string,
    extra: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(reason === 'rate-limited' ? 'RATE_LIMITED' : 'UNAVAILABLE', message, {
      cause: extra.cause,
      details: { source, reason, status: extra.status, retryAfterSeconds: extra.retryAfterSeconds },
    });
    this.name = 'ProviderReadError';
    this.source = source;
    this.reason = reason;
    this.status = extra.status;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export interface ReadJsonOptions {
  /** Short provider name for messages and summaries, e.g. `anthropic cost_report`. */
  source: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Error statuses the caller tells apart itself (e.g. 404 "already gone"): answered, not
   * thrown, with the body parsed when it is JSON (else undefined). 429 is never handed back:
   * it is `rate-limited` with its `Retry-After`.
   */
  handles?: (status: number) => boolean;
  /** Largest body read, in bytes; a longer one is `malformed` (default `DEFAULT_MAX_BYTES`). */
  maxBytes?: number;
}

/** A provider's JSON answer is small; anything near this is a misbehaving server, not data. */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Returns the parsed body of a 2xx answer, or throws `ProviderReadError`. */
export async function readJson(
  url: string,
  init: RequestInit,
  options: ReadJsonOptions,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const { source } = options;
  // One signal for the headers and the body: a server that sends headers and then stalls
  // times out like one that never answers.
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = (error: unknown) =>
    signal.aborted || (error instanceof DOMException && error.name === 'TimeoutError');
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { ...init, signal });
  } catch (error) {
    const late = timedOut(error);
    throw new ProviderReadError(
      source,
      late ? 'timeout' : 'unreachable',
      late
        ? `${source} did not answer within ${timeoutMs} ms`
        : `${source} is unreachable (check its base URL)`,
      { cause: error },
    );
  }
  let text: string;
  try {
    text = await readBounded(response, maxBytes);
  } catch (error) {
    const status = response.status;
    if (error instanceof BodyTooLarge) {
      throw new ProviderReadError(
        source,
        'malformed',
        `${source} answered a body over ${maxBytes} bytes`,
        { status },
      );
    }
    const late = timedOut(error);
    throw new ProviderReadError(
      source,
      late ? 'timeout' : 'unreachable',
      late
        ? `${source} did not finish its answer within ${timeoutMs} ms`
        : `${source} cut its answer short`,
      { status, cause: error },
    );
  }
  if (!response.ok && response.status !== 429 && options.handles?.(response.status) === true) {
    return { status: response.status, body: parseOrUndefined(text), headers: response.headers };
  }
  if (response.status === 429) {
    const wait = retryAfterSeconds(response.headers.get('retry-after'), new Date());
    throw new ProviderReadError(source, 'rate-limited', `${source} answered 429 (rate limited)`, {
      status: 429,
      ...(wait === undefined ? {} : { retryAfterSeconds: wait }),
    });
  }
  if (response.status >= 500) {
    throw new ProviderReadError(
      source,
      'server-error',
      `${source} answered HTTP ${response.status}`,
      { status: response.status },
    );
  }
  if (!response.ok) {
    throw new ProviderReadError(
      source,
      'refused',
      `${source} refused the request with HTTP ${response.status} (check its credentials and parameters)`,
      {
        status: response.status,
      },
    );
  }
  try {
    return {
      status: response.status,
      body: text === '' ? null : JSON.parse(text),
      headers: response.headers,
    };
  } catch {
    // No cause: the parser's message quotes the body, and the body is the provider's text.
    throw new ProviderReadError(source, 'malformed', `${source} answered with malformed JSON`, {
      status: response.status,
    });
  }
}

class BodyTooLarge extends Error {}

/** The body as text, refusing (and cancelling) one longer than `maxBytes`. */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses a provider's answer with `schema`; anything else is `malformed`, saying what was expected. */
export function expectShape<S extends z.ZodType>(
  source: string,
  body: unknown,
  schema: S,
  what: string,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ProviderReadError(source, 'malformed', `${source} answered without ${what}`);
}
