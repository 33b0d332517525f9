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
}

/** Returns the parsed body of a 2xx answer, or throws `ProviderReadError`. */
export async function readJson(
  url: string,
  init: RequestInit,
  options: ReadJsonOptions,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { source } = options;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      ...init,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw new ProviderReadError(
      source,
      timedOut ? 'timeout' : 'unreachable',
      timedOut
        ? `${source} did not answer within ${timeoutMs} ms`
        : `${source} is unreachable (check its base URL)`,
      { cause: error },
    );
  }
  const text = await response.text().catch(() => '');
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
  } catch (error) {
    throw new ProviderReadError(source, 'malformed', `${source} answered with malformed JSON`, {
      status: response.status,
      cause: error,
    });
  }
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
