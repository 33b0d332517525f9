import type * as z from 'zod';
import { type ErrorCode, VigieError } from '../../core/errors.ts';
import { retryAfterSeconds as readRetryAfterSeconds } from '../../core/retry-after.ts';
import { ProviderReadError, readJson } from '../http/read-json.ts';
import {
  deletedExecutionSchema,
  describeIssues,
  executionPageSchema,
  executionSchema,
} from './schemas.ts';

/**
 * A small typed client for n8n's public API v1 executions endpoints, written to the OpenAPI
 * document n8n ships in its npm package (a fragment with its version is kept at
 * `sandbox/n8n/openapi/executions.openapi.json`; facts in docs/providers/n8n.md). n8n ships no
 * official JS client for it, so requests go through the shared provider path
 * (`adapters/http/read-json.ts`) and every answer is parsed with the document's shapes
 * (`schemas.ts`): one that does not match is an `invalid_response` naming the field. Auth is
 * the `X-N8N-API-KEY` header.
 */
export type N8nExecutionStatus =
  'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting';

export interface N8nExecution {
  id: string;
  finished: boolean;
  mode: string;
  /** Null while the execution is queued (`new`). */
  startedAt: string | null;
  stoppedAt: string | null;
  workflowId: string;
  status: N8nExecutionStatus;
  retryOf?: string | null;
  retrySuccessId?: string | null;
  waitTill?: string | null;
  customData?: Record<string, string>;
  /** Present only when asked for with `includeData`. */
  data?: unknown;
  /** True when n8n withheld `data` for exceeding its display size (`data` is then empty). */
  dataTooLargeToDisplay?: boolean;
}

/** How to ask for execution data: everything n8n would otherwise withhold. */
export interface DataParams {
  includeData?: boolean;
  /** Return data even above `EXECUTIONS_DATA_MAX_DISPLAY_SIZE`. */
  ignoreDataSizeLimit?: boolean;
  /** false: unredacted data (the key needs the `execution:reveal` scope); true: redacted. */
  redactExecutionData?: boolean;
}

/**
 * Whether an execution's data can be read: n8n returns executions without their data when it
 * is too large (`dataTooLargeToDisplay`) or redacted (`data.redactionInfo.isRedacted`).
 */
export function executionDataWithheld(
  execution: N8nExecution,
): 'too-large' | 'redacted' | undefined {
  if (execution.dataTooLargeToDisplay === true) return 'too-large';
  const info = (execution.data as { redactionInfo?: { isRedacted?: unknown } | null } | undefined)
    ?.redactionInfo;
  return info?.isRedacted === true ? 'redacted' : undefined;
}

export interface ListExecutionsParams extends DataParams {
  status?: N8nExecutionStatus;
  workflowId?: string;
  /** 1–250, n8n's default is 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface ExecutionPage {
  data: N8nExecution[];
  nextCursor: string | null;
}

export type DeleteResult =
  | { deleted: true; execution: N8nExecution }
  /** 404: the execution is already gone (deleted, pruned, or never visible to this key). */
  | { deleted: false; reason: 'not_found' };

export type N8nErrorKind =
  | 'unauthorized'
  | 'bad_request'
  | 'rate_limited'
  | 'running'
  | 'not_found'
  | 'server'
  | 'timeout'
  | 'network'
  | 'invalid_response';

const codeByKind: Record<N8nErrorKind, ErrorCode> = {
  unauthorized: 'CONFIG_INVALID',
  bad_request: 'BAD_REQUEST',
  rate_limited: 'RATE_LIMITED',
  running: 'CONFLICT',
  not_found: 'NOT_FOUND',
  server: 'UNAVAILABLE',
  timeout: 'UNAVAILABLE',
  network: 'UNAVAILABLE',
  invalid_response: 'UNAVAILABLE',
};

/**
 * Every failure of the n8n API. `retryable` says whether trying later can help;
 * `retryAfterSeconds` (429 with `Retry-After`, from n8n or the proxy in front of it) says when.
 */
export class N8nApiError extends VigieError {
  readonly kind: N8nErrorKind;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: N8nErrorKind,
    message: string,
    status?: number,
    cause?: unknown,
    retryAfterSeconds?: number,
  ) {
    super(codeByKind[kind], message, {
      cause,
      details: { n8n: kind, status, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
    });
    this.name = 'N8nApiError';
    this.kind = kind;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.retryable =
      kind === 'server' ||
      kind === 'timeout' ||
      kind === 'network' ||
      kind === 'running' ||
      kind === 'rate_limited';
  }
}

export interface N8nClientOptions {
  /** The instance root, e.g. `https://n8n.example` (the client adds `/api/v1`). */
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Largest answer read, in bytes (default 64 MiB): pages asked with `includeData` and
   * `ignoreDataSizeLimit` carry whole executions, so they get more room than other providers.
   */
  maxBodyBytes?: number;
}

export interface N8nClient {
  listExecutions(params?: ListExecutionsParams): Promise<ExecutionPage>;
  /** Every page, following `nextCursor`. */
  iterateExecutions(params?: Omit<ListExecutionsParams, 'cursor'>): AsyncGenerator<N8nExecution>;
  /** `undefined` when n8n answers 404. */
  getExecution(id: string, options?: DataParams): Promise<N8nExecution | undefined>;
  deleteExecution(id: string): Promise<DeleteResult>;
  /** n8n's own `GET /healthz` (no API key): resolves when the instance answers 200. */
  healthz(options?: { timeoutMs?: number }): Promise<void>;
}

export function createN8nClient(options: N8nClientOptions): N8nClient {
  const root = `${options.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetch ?? fetch;

  async function call(method: 'GET' | 'DELETE', path: string, query?: URLSearchParams) {
    const url = `${root}${path}${query && query.size > 0 ? `?${query}` : ''}`;
    try {
      return await readJson(
        url,
        { method, headers: { 'X-N8N-API-KEY': options.apiKey, accept: 'application/json' } },
        {
          source: 'n8n',
          timeoutMs,
          fetch: fetchImpl,
          handles: (status) => status < 500,
          maxBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
        },
      );
    } catch (error) {
      if (!(error instanceof ProviderReadError)) throw error;
      throw fromReadError(error, method, path, timeoutMs);
    }
  }

  /** An answer of the documented shape, or `invalid_response` naming what did not match. */
  function parse<S extends z.ZodType>(schema: S, body: unknown, method: string, path: string) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data as z.infer<S>;
    throw new N8nApiError(
      'invalid_response',
      `n8n answered ${method} ${path} with a body that does not match its OpenAPI document (${describeIssues(parsed.error)}).`,
      200,
    );
  }

  /** A 4xx n8n answered (429 and 5xx are thrown by the shared path, see `fromReadError`). */
  function fail(method: string, path: string, status: number, body: unknown): never {
    const said = messageOf(body);
    const suffix = said ? ` (n8n said: ${said})` : '';
    if (status === 401 || status === 403) {
      throw new N8nApiError(
        'unauthorized',
        `n8n refused the API key for ${method} ${path}: check N8N_API_KEY${suffix}.`,
        status,
      );
    }
    if (status === 404) throw new N8nApiError('not_found', `n8n has no ${path}${suffix}.`, status);
    if (status === 400 && /running execution/i.test(said ?? '')) {
      throw new N8nApiError(
        'running',
        `n8n refused ${method} ${path}: the execution is still running; retry once it stops.`,
        status,
      );
    }
    throw new N8nApiError(
      'bad_request',
      `n8n rejected ${method} ${path} with HTTP ${status}${suffix}.`,
      status,
    );
  }

  async function listExecutions(params: ListExecutionsParams = {}): Promise<ExecutionPage> {
    const query = new URLSearchParams();
    if (params.status !== undefined) query.set('status', params.status);
    if (params.workflowId !== undefined) query.set('workflowId', params.workflowId);
    if (params.limit !== undefined) query.set('limit', String(params.limit));
    if (params.cursor !== undefined) query.set('cursor', params.cursor);
    setDataParams(query, params);
    const { status, body } = await call('GET', '/executions', query);
    if (status !== 200) fail('GET', '/executions', status, body);
    const page = parse(executionPageSchema, body, 'GET', '/executions');
    return { data: page.data, nextCursor: page.nextCursor };
  }

  async function healthz(opts: { timeoutMs?: number } = {}): Promise<void> {
    const url = `${root.replace(/\/api\/v1$/, '')}/healthz`;
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? timeoutMs) });
    } catch (error) {
      throw new N8nApiError('network', 'n8n /healthz did not answer: is n8n up?', undefined, error);
    }
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new N8nApiError('server', `n8n /healthz answered ${response.status}.`, response.status);
    }
  }

  return {
    listExecutions,
    healthz,
    async *iterateExecutions(params = {}) {
      let cursor: string | undefined;
      const followed = new Set<string>();
      do {
        const page = await listExecutions({
          ...params,
          ...(cursor === undefined ? {} : { cursor }),
        });
        yield* page.data;
        cursor = page.nextCursor ?? undefined;
        if (cursor !== undefined) assertNewCursor(followed, cursor);
      } while (cursor !== undefined);
    },
    async getExecution(id, opts = {}) {
      const path = `/executions/${encodeURIComponent(id)}`;
      const query = new URLSearchParams();
      setDataParams(query, opts);
      const { status, body } = await call('GET', path, query);
      if (status === 404) return undefined;
      if (status !== 200) fail('GET', path, status, body);
      return parse(executionSchema, body, 'GET', '/executions/{id}');
    },
    async deleteExecution(id) {
      const path = `/executions/${encodeURIComponent(id)}`;
      const { status, body } = await call('DELETE', path);
      if (status === 404) return { deleted: false, reason: 'not_found' };
      if (status !== 200) fail('DELETE', path, status, body);
      // The document's DELETE answers the id as a number, every other endpoint as a string.
      const execution = parse(deletedExecutionSchema, body, 'DELETE', '/executions/{id}');
      return { deleted: true, execution: { ...execution, id: String(execution.id) } };
    },
  };
}

/** The shared path's failures as this client's typed errors (same kinds, same advice). */
function fromReadError(
  error: ProviderReadError,
  method: string,
  path: string,
  timeoutMs: number,
): N8nApiError {
  switch (error.reason) {
    case 'timeout':
      return new N8nApiError(
        'timeout',
        `n8n did not answer ${method} ${path} within ${timeoutMs} ms.`,
        undefined,
        error,
      );
    case 'unreachable':
      return new N8nApiError(
        'network',
        `Cannot reach n8n for ${method} ${path}: check N8N_BASE_URL and that n8n is up.`,
        undefined,
        error,
      );
    case 'rate-limited':
      return new N8nApiError(
        'rate_limited',
        `n8n rate-limited ${method} ${path}` +
          (error.retryAfterSeconds === undefined
            ? '; retry later.'
            : `; retry after ${error.retryAfterSeconds} s.`),
        429,
        error,
        error.retryAfterSeconds,
      );
    case 'server-error':
      return new N8nApiError(
        'server',
        `n8n failed ${method} ${path} with HTTP ${error.status}.`,
        error.status,
        error,
      );
    case 'malformed':
      return new N8nApiError(
        'invalid_response',
        `n8n answered ${method} ${path} with non-JSON.`,
        error.status,
        error,
      );
    case 'refused':
      // Not reached: every status below 500 is handed back to `fail`.
      return new N8nApiError('bad_request', error.message, error.status, error);
  }
}

/**
 * A `nextCursor` already followed means n8n pages in a loop: reading on would never end (or
 * count the same executions again), so the read fails instead. Records `cursor` as followed.
 */
export function assertNewCursor(followed: Set<string>, cursor: string): void {
  if (followed.has(cursor)) {
    throw new N8nApiError(
      'invalid_response',
      'n8n answered GET /executions with a nextCursor it had already given: its paging loops.',
      200,
    );
  }
  followed.add(cursor);
}

function setDataParams(query: URLSearchParams, params: DataParams): void {
  for (const name of ['includeData', 'ignoreDataSizeLimit', 'redactExecutionData'] as const) {
    if (params[name] !== undefined) query.set(name, String(params[name]));
  }
}

/** `Retry-After` as whole seconds ≥ 1 (core/retry-after.ts: delay-seconds or an HTTP date). */
export function retryAfterSeconds(header: string | null, nowMs: number): number | undefined {
  return readRetryAfterSeconds(header, new Date(nowMs));
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message = (body as { message: unknown }).message;
    // n8n error messages are about the request, not execution data; cap them anyway.
    if (typeof message === 'string') return message.slice(0, 200);
  }
  return undefined;
}
