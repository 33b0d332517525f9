/**
 * n8n stand-in: the public API v1 executions endpoints and one webhook-triggered workflow.
 *
 * The executions API is held to the OpenAPI document n8n ships in its npm package
 * (`openapi/executions.openapi.json`, with its version; shapes in `executions.ts`):
 * - auth by `X-N8N-API-KEY`: missing → 401 `{message: "'X-N8N-API-KEY' header required"}`,
 *   wrong → 401 `{message: 'Unauthorized'}`;
 * - `GET /api/v1/executions`: `status`, `workflowId`, `projectId`, `startedAfter`,
 *   `startedBefore` (date-time), `limit` (default 100, max 250), `cursor` (base64 JSON
 *   `{lastId, limit}`, the previous `nextCursor`), `includeData`, `ignoreDataSizeLimit`,
 *   `redactExecutionData` (each `true`|`false`, anything else 400); newest first; running
 *   executions are left out;
 * - `GET /api/v1/executions/{id}` (same data parameters); `DELETE /api/v1/executions/{id}`
 *   returns the deleted execution with a numeric id, 400 `{message: 'Cannot delete a running
 *   execution'}`; an id that is not a positive integer → 400; unknown → 404
 *   `{message: 'Not Found'}`.
 * The workflow `POST /webhook/scrape-and-enrich` keeps the prospects in its execution data, as
 * n8n does with `EXECUTIONS_DATA_SAVE_ON_SUCCESS=all`, and its first node reports
 * `{executionId, prospectIds}` to the execution ledger (a URL and/or in-process hooks).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import {
  ExecutionQueue,
  runScrapeAndEnrich,
  type ScrapeWorkflowDeps,
  type WorkflowOutcome,
} from './scrape-workflow.ts';
import {
  EXECUTION_STATUSES,
  type ExecutionStatus,
  ExecutionStore,
  deletedView,
  listView,
  type NewExecution,
  singleView,
  type StoredExecution,
  type ViewOptions,
} from './executions.ts';

export const SCRAPE_AND_ENRICH_WORKFLOW_ID = 'wf-scrape-and-enrich';
export const MAX_LIMIT = 250;

export interface LedgerReport {
  executionId: string;
  workflowId: string;
  userId: string;
  prospectIds: string[];
}

export interface N8nFaults {
  /** Every request answers 503. */
  outage: boolean;
  latencyMs: number;
  /** Share (0–1) of workflow executions that fail. */
  failureRate: number;
  /** Status a failing execution ends in. */
  failureStatus: 'error' | 'crashed';
  /** New executions stay `running` until `finishRunning()`. */
  holdRunning: boolean;
  /** Random source for `failureRate` (tests pass a deterministic one). */
  random: () => number;
  /** The next N public-API requests answer 429 (as n8n Cloud or a proxy in front of n8n does). */
  rateLimitedRequests: number;
  /** `Retry-After` (seconds) sent with those 429s. */
  retryAfterSeconds: number;
  /** Every public-API request answers 500 (the workflow webhooks still run). */
  apiErrors: boolean;
}

export interface N8nStandInOptions {
  apiKey: string;
  port?: number;
  /** Where the workflow's first node POSTs `LedgerReport` JSON. */
  ledgerUrl?: string;
  now?: () => Date;
  /** The API key holds the `execution:reveal` scope (default true). */
  revealScope?: boolean;
  /** Wires the workflow to PhantomBuster and the enrichment hook (else it makes data up). */
  workflow?: ScrapeWorkflowDeps;
  /** Concurrent production executions (the n8n Cloud plan's limit); default 5 (Starter). */
  concurrency?: number;
}

/** Instance settings of the executions API, mutable by tests and drills. */
export interface N8nDisplaySettings {
  /** `EXECUTIONS_DATA_MAX_DISPLAY_SIZE` in bytes: larger data is withheld unless asked for. */
  maxDisplaySizeBytes: number;
  /** Whether the API key may reveal redacted data (`redactExecutionData=false`). */
  revealScope: boolean;
}

export interface N8nStandIn {
  url: string;
  apiKey: string;
  faults: N8nFaults;
  display: N8nDisplaySettings;
  /** Every stored execution (with data), newest first — test inspection, not API. */
  executions(): StoredExecution[];
  addExecution(input: NewExecution): StoredExecution;
  /** Registers a ledger hook; called before the workflow goes on, like the first node. */
  onExecution(callback: (report: LedgerReport) => void | Promise<void>): void;
  /** Completes every held `running` execution with `status`. */
  finishRunning(status?: ExecutionStatus): void;
  /** Wires (or rewires) the workflow to real stand-ins; from then on webhooks queue and run it. */
  configureWorkflow(deps: ScrapeWorkflowDeps): void;
  /** The plan's execution queue: `limit` is settable, `stats` count running/queued. */
  queue: ExecutionQueue;
  close(): Promise<void>;
}

const webhookBody = {
  parse(value: unknown): { userId: string; prospects: Array<Record<string, unknown>> } | string {
    if (typeof value !== 'object' || value === null) return 'body must be a JSON object';
    const { userId, prospects } = value as Record<string, unknown>;
    if (typeof userId !== 'string' || userId === '') return 'userId is required';
    if (!Array.isArray(prospects) || prospects.length === 0)
      return 'prospects must be a non-empty array';
    for (const p of prospects) {
      if (typeof p !== 'object' || p === null || typeof (p as { id?: unknown }).id !== 'string') {
        return 'each prospect needs a string id';
      }
    }
    return { userId, prospects: prospects as Array<Record<string, unknown>> };
  },
};

export async function startN8nStandIn(options: N8nStandInOptions): Promise<N8nStandIn> {
  const now = options.now ?? (() => new Date());
  const store = new ExecutionStore();
  const hooks: Array<(report: LedgerReport) => void | Promise<void>> = [];
  const faults: N8nFaults = {
    outage: false,
    latencyMs: 0,
    failureRate: 0,
    failureStatus: 'error',
    holdRunning: false,
    random: Math.random,
    rateLimitedRequests: 0,
    retryAfterSeconds: 1,
    apiErrors: false,
  };

  const display: N8nDisplaySettings = {
    maxDisplaySizeBytes: 8 * 1024 * 1024,
    revealScope: options.revealScope ?? true,
  };
  let workflow = options.workflow;
  const queue = new ExecutionQueue(options.concurrency ?? 5);
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage) return c.json({ message: 'Service Unavailable' }, 503);
    return next();
  });

  const api = new Hono();
  api.use('*', async (c, next) => {
    if (faults.apiErrors) return c.json({ message: 'Internal Server Error' }, 500);
    if (faults.rateLimitedRequests > 0) {
      faults.rateLimitedRequests -= 1;
      c.header('Retry-After', String(faults.retryAfterSeconds));
      return c.json({ message: 'Too Many Requests' }, 429);
    }
    const key = c.req.header('X-N8N-API-KEY');
    if (key === undefined) return c.json({ message: "'X-N8N-API-KEY' header required" }, 401);
    if (key !== options.apiKey) return c.json({ message: 'Unauthorized' }, 401);
    return next();
  });

  /** The data parameters shared by the list and the single execution, validated. */
  function viewOptions(c: Context): ViewOptions | Response {
    const query = c.req.query();
    const flags: Record<string, boolean | undefined> = {};
    for (const name of ['includeData', 'ignoreDataSizeLimit', 'redactExecutionData']) {
      const value = query[name];
      if (value !== undefined && value !== 'true' && value !== 'false') {
        return badRequest(
          c,
          `request/query/${name} must be equal to one of the allowed values: true, false`,
        );
      }
      flags[name] = value === undefined ? undefined : value === 'true';
    }
    if (flags.redactExecutionData === false && !display.revealScope) {
      return c.json({ message: 'Forbidden' }, 403);
    }
    return {
      includeData: flags.includeData ?? false,
      ignoreDataSizeLimit: flags.ignoreDataSizeLimit ?? false,
      redact: flags.redactExecutionData,
      maxDisplaySizeBytes: display.maxDisplaySizeBytes,
      canReveal: display.revealScope,
    };
  }

  api.get('/executions', (c) => {
    const query = c.req.query();
    const view = viewOptions(c);
    if (view instanceof Response) return view;
    if (
      query.status !== undefined &&
      !EXECUTION_STATUSES.includes(query.status as ExecutionStatus)
    ) {
      return badRequest(
        c,
        `request/query/status must be equal to one of the allowed values: ${EXECUTION_STATUSES.join(', ')}`,
      );
    }
    const bounds: Record<'startedAfter' | 'startedBefore', number | undefined> = {
      startedAfter: undefined,
      startedBefore: undefined,
    };
    for (const name of ['startedAfter', 'startedBefore'] as const) {
      const value = query[name];
      if (value === undefined) continue;
      const at = RFC3339.test(value) ? Date.parse(value) : NaN;
      if (Number.isNaN(at))
        return badRequest(c, `request/query/${name} must match format "date-time"`);
      bounds[name] = at;
    }
    let limit = 100;
    let lastId: number | undefined;
    if (query.limit !== undefined) {
      const n = Number(query.limit);
      if (!Number.isInteger(n)) return badRequest(c, 'request/query/limit must be number');
      if (n < 1) return badRequest(c, 'request/query/limit must be >= 1');
      if (n > MAX_LIMIT) return badRequest(c, `request/query/limit must be <= ${MAX_LIMIT}`);
      limit = n;
    }
    if (query.cursor !== undefined) {
      const decoded = decodeCursor(query.cursor);
      if (decoded === undefined) return badRequest(c, 'An invalid cursor was provided');
      ({ lastId, limit } = decoded);
    }
    const started = (e: StoredExecution) => (e.status === 'new' ? NaN : Date.parse(e.startedAt));
    const matching = store
      .all()
      .filter((e) => e.status !== 'running')
      .filter((e) => query.status === undefined || e.status === query.status)
      .filter((e) => query.workflowId === undefined || e.workflowId === query.workflowId)
      .filter((e) => query.projectId === undefined || e.projectId === query.projectId)
      .filter((e) => bounds.startedAfter === undefined || started(e) >= bounds.startedAfter)
      .filter((e) => bounds.startedBefore === undefined || started(e) <= bounds.startedBefore)
      .filter((e) => lastId === undefined || Number(e.id) < lastId);
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      matching.length > page.length && last !== undefined
        ? Buffer.from(JSON.stringify({ lastId: last.id, limit })).toString('base64')
        : null;
    return c.json({ data: page.map((e) => listView(e, view)), nextCursor });
  });

  /** The path id: a positive integer, as the document's `executionId` parameter says. */
  function executionId(c: Context): string | Response {
    const id = c.req.param('id') ?? '';
    if (!/^[1-9]\d*$/.test(id)) return badRequest(c, 'request/params/executionId must be integer');
    return id;
  }

  api.get('/executions/:id', (c) => {
    const id = executionId(c);
    if (id instanceof Response) return id;
    const view = viewOptions(c);
    if (view instanceof Response) return view;
    const execution = store.get(id);
    if (execution === undefined) return c.json({ message: 'Not Found' }, 404);
    return c.json(singleView(execution, view));
  });

  api.delete('/executions/:id', (c) => {
    const id = executionId(c);
    if (id instanceof Response) return id;
    const execution = store.get(id);
    if (execution === undefined) return c.json({ message: 'Not Found' }, 404);
    if (execution.status === 'running') {
      return c.json({ message: 'Cannot delete a running execution' }, 400);
    }
    store.delete(execution.id);
    return c.json(deletedView(execution));
  });
  // n8n's own liveness endpoint (no API key), what uptime monitors and `/readyz` call.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/api/v1', api);

  app.post('/webhook/scrape-and-enrich', async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ code: 400, message: 'Body is not valid JSON' }, 400);
    }
    const body = webhookBody.parse(raw);
    if (typeof body === 'string') return c.json({ code: 400, message: body }, 400);
    const startedAt = now();
    const prospectIds = body.prospects.map((p) => String(p.id));
    if (workflow !== undefined) {
      // "Respond to Webhook" first, then the run waits for a slot of the plan (status `new`).
      const deps = workflow;
      const execution = store.add(
        {
          workflowId: SCRAPE_AND_ENRICH_WORKFLOW_ID,
          mode: 'webhook',
          status: 'new',
          startedAt: startedAt.toISOString(),
          data: { resultData: { runData: {} } },
        },
        startedAt,
      );
      // An injected failure (fault switches, drills) ends the run at the node that failed,
      // as a PhantomBuster 5xx or a Claude timeout would, without running the rest.
      const injected = faults.random() < faults.failureRate;
      queue.run(async () => {
        execution.status = 'running';
        execution.startedAt = now().toISOString();
        const report: LedgerReport = {
          executionId: execution.id,
          workflowId: execution.workflowId,
          userId: body.userId,
          prospectIds,
        };
        let outcome: Awaited<ReturnType<typeof runScrapeAndEnrich>>;
        try {
          await reportToLedger(report);
          outcome = injected
            ? injectedFailure(faults.failureStatus)
            : await runScrapeAndEnrich(body, deps);
        } catch (error) {
          outcome = {
            runData: {},
            lastNodeExecuted: 'Report to ledger',
            error: error instanceof Error ? error.message : String(error),
          };
        }
        const failed = outcome.error !== undefined;
        execution.data = {
          resultData: {
            runData: {
              Webhook: [
                {
                  startTime: startedAt.getTime(),
                  executionTime: 0,
                  data: { main: [[{ json: { body } }]] },
                },
              ],
              ...outcome.runData,
            },
            lastNodeExecuted: outcome.lastNodeExecuted,
            ...(outcome.error === undefined ? {} : { error: { message: outcome.error } }),
          },
        };
        finish(execution, failed ? faults.failureStatus : 'success');
      });
      return c.json({ executionId: execution.id, status: execution.status, prospectIds });
    }
    const execution = store.add(
      {
        workflowId: SCRAPE_AND_ENRICH_WORKFLOW_ID,
        mode: 'webhook',
        status: 'running',
        startedAt: startedAt.toISOString(),
        data: runData(body, undefined, startedAt),
      },
      startedAt,
    );
    const report: LedgerReport = {
      executionId: execution.id,
      workflowId: execution.workflowId,
      userId: body.userId,
      prospectIds,
    };
    let ledgerError: string | undefined;
    try {
      await reportToLedger(report);
    } catch (error) {
      // Like an n8n HTTP Request node failing: the execution errors, its data is still kept.
      ledgerError = error instanceof Error ? error.message : String(error);
    }
    const failed = ledgerError !== undefined || faults.random() < faults.failureRate;
    execution.data = runData(body, ledgerError, startedAt);
    if (!failed && faults.holdRunning) {
      return c.json({ executionId: execution.id, status: execution.status, prospectIds });
    }
    finish(execution, failed ? faults.failureStatus : 'success');
    if (failed) {
      return c.json(
        { message: 'Error in workflow', executionId: execution.id, status: execution.status },
        500,
      );
    }
    return c.json({ executionId: execution.id, status: execution.status, prospectIds });
  });

  async function reportToLedger(report: LedgerReport): Promise<void> {
    for (const hook of hooks) await hook(report);
    if (options.ledgerUrl !== undefined) {
      const response = await fetch(options.ledgerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`ledger answered ${response.status}`);
    }
  }

  function finish(execution: StoredExecution, status: ExecutionStatus): void {
    execution.status = status;
    execution.finished = status === 'success';
    execution.stoppedAt = now().toISOString();
  }

  const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: options.apiKey,
    faults,
    display,
    executions: () => store.all(),
    addExecution: (input) => store.add(input, now()),
    onExecution: (callback) => {
      hooks.push(callback);
    },
    configureWorkflow: (deps) => {
      workflow = deps;
    },
    queue,
    finishRunning: (status = 'success') => {
      for (const e of store.all()) if (e.status === 'running') finish(e, status);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** The outcome of a run failed by a fault knob: `error` at PhantomBuster, `crashed` at Claude. */
function injectedFailure(status: 'error' | 'crashed'): WorkflowOutcome {
  return status === 'error'
    ? {
        runData: {},
        lastNodeExecuted: 'PhantomBuster launch',
        error: 'PhantomBuster answered 503 (injected fault)',
      }
    : {
        runData: {},
        lastNodeExecuted: 'Enrich with Claude',
        error: 'the Claude request timed out (injected fault)',
      };
}

/** RFC 3339 date-time, as OpenAPI's `format: date-time`. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function badRequest(c: Context, message: string): Response {
  return c.json({ message }, 400);
}

function decodeCursor(cursor: string): { lastId: number; limit: number } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64').toString()) as Record<string, unknown>;
    const lastId = Number(value.lastId);
    const limit = Number(value.limit);
    if (!Number.isInteger(lastId) || !Number.isInteger(limit) || limit < 1) return undefined;
    return { lastId, limit: Math.min(limit, MAX_LIMIT) };
  } catch {
    return undefined;
  }
}

/** n8n-shaped run data: the webhook node holds the request body, enrichment its output. */
function runData(
  body: { userId: string; prospects: Array<Record<string, unknown>> },
  ledgerError: string | undefined,
  startedAt: Date,
): object {
  const item = (json: unknown) => ({ json });
  const node = (json: unknown[]) => [
    { startTime: startedAt.getTime(), executionTime: 1, data: { main: [json.map(item)] } },
  ];
  const runData: Record<string, unknown> = {
    Webhook: node([{ body }]),
    'Report to ledger': node([{ prospectIds: body.prospects.map((p) => p.id) }]),
  };
  if (ledgerError === undefined) {
    runData['PhantomBuster scrape'] = node(body.prospects);
    runData['Enrich with Claude'] = node(
      body.prospects.map((p) => ({
        ...p,
        enrichment: { summary: `Profile summary for ${String(p.fullName ?? p.id)}` },
      })),
    );
  }
  return {
    resultData: {
      runData,
      lastNodeExecuted: ledgerError === undefined ? 'Enrich with Claude' : 'Report to ledger',
      ...(ledgerError === undefined ? {} : { error: { message: ledgerError } }),
    },
  };
}
