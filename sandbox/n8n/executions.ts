/**
 * The execution store of the n8n stand-in and its public API v1 views, held to the OpenAPI
 * document n8n ships (`openapi/executions.openapi.json`, extracted from the `n8n` npm package;
 * `stand-in.int.test.ts` validates every answer against it):
 * - a list item carries `id`, `finished`, `mode`, `retryOf`, `retrySuccessId`, `status`,
 *   `startedAt`, `stoppedAt`, `workflowId`, `waitTill` (+ `storedAt`, `jsonSizeBytes`,
 *   `workflowVersionId`); a single execution adds `createdAt`, `deletedAt`, `tracingContext`,
 *   `deduplicationKey`, `binaryDataSizeBytes`, `usedPrivateCredentials`;
 * - `data`, `workflowData` and `customData` only with `includeData=true`;
 * - `startedAt` is null while `new` (queued); `stoppedAt` is null for `new`, `running` and
 *   `unknown`, and set for `waiting` (its current run stopped), which also has `waitTill`;
 * - data larger than the display limit comes back empty with `dataTooLargeToDisplay: true`
 *   unless `ignoreDataSizeLimit=true`; a redacted execution's data has its node output removed
 *   and `redactionInfo` unless `redactExecutionData=false` (needs the reveal scope);
 * - DELETE answers the single view with a numeric `id`.
 */
export type ExecutionStatus =
  'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'canceled',
  'crashed',
  'error',
  'new',
  'running',
  'success',
  'unknown',
  'waiting',
];

export type ExecutionMode = 'webhook' | 'manual' | 'trigger' | 'retry' | 'integrated';

export interface StoredExecution {
  id: string;
  createdAt: string;
  /** The workflow's project (the list's `projectId` filter). */
  projectId: string;
  /** The workflow redaction policy applies to this execution's data. */
  redacted: boolean;
  workflowVersionId: string | null;
  finished: boolean;
  mode: ExecutionMode;
  retryOf: string | null;
  retrySuccessId: string | null;
  startedAt: string;
  stoppedAt: string | null;
  workflowId: string;
  waitTill: string | null;
  customData: Record<string, string>;
  status: ExecutionStatus;
  /** n8n's `IRunExecutionData`: here, what each node received and produced. */
  data: unknown;
}

export type NewExecution = Partial<Omit<StoredExecution, 'id'>> & { workflowId: string };

/** The project executions belong to unless given. */
export const DEFAULT_PROJECT_ID = 'VmwOO9HeTEj20kxM';

export class ExecutionStore {
  #next = 1;
  readonly #byId = new Map<string, StoredExecution>();

  add(input: NewExecution, now: Date): StoredExecution {
    const status = input.status ?? 'success';
    // A waiting execution has stopped its current run; new, running and unknown have not.
    const stopped = status !== 'running' && status !== 'new' && status !== 'unknown';
    const execution: StoredExecution = {
      id: String(this.#next++),
      createdAt: input.createdAt ?? now.toISOString(),
      projectId: input.projectId ?? DEFAULT_PROJECT_ID,
      redacted: input.redacted ?? false,
      workflowVersionId: input.workflowVersionId ?? null,
      finished: input.finished ?? status === 'success',
      mode: input.mode ?? 'webhook',
      retryOf: input.retryOf ?? null,
      retrySuccessId: input.retrySuccessId ?? null,
      startedAt: input.startedAt ?? now.toISOString(),
      stoppedAt:
        input.stoppedAt !== undefined ? input.stoppedAt : stopped ? now.toISOString() : null,
      workflowId: input.workflowId,
      waitTill: input.waitTill ?? null,
      customData: input.customData ?? {},
      status,
      data: input.data ?? { resultData: { runData: {} } },
    };
    this.#byId.set(execution.id, execution);
    return execution;
  }

  get(id: string): StoredExecution | undefined {
    return this.#byId.get(id);
  }

  delete(id: string): boolean {
    return this.#byId.delete(id);
  }

  /** Newest first, like n8n (`ORDER BY id DESC`). */
  all(): StoredExecution[] {
    return [...this.#byId.values()].sort((a, b) => Number(b.id) - Number(a.id));
  }
}

export interface ViewOptions {
  includeData: boolean;
  /** `ignoreDataSizeLimit=true`. */
  ignoreDataSizeLimit: boolean;
  /** `redactExecutionData`: true always redacts, false reveals, undefined follows the policy. */
  redact: boolean | undefined;
  /** `EXECUTIONS_DATA_MAX_DISPLAY_SIZE`, bytes. */
  maxDisplaySizeBytes: number;
  /** The key holds the `execution:reveal` scope. */
  canReveal: boolean;
}

function timestamps(e: StoredExecution) {
  return {
    // Null until the execution leaves the queue and starts running.
    startedAt: e.status === 'new' ? null : e.startedAt,
    stoppedAt:
      e.status === 'new' || e.status === 'running' || e.status === 'unknown' ? null : e.stoppedAt,
  };
}

function jsonSizeBytes(e: StoredExecution): number {
  return Buffer.byteLength(JSON.stringify(e.data ?? null));
}

/** The fields a list item and a single execution share. */
function common(e: StoredExecution) {
  return {
    id: e.id,
    finished: e.finished,
    mode: e.mode,
    retryOf: e.retryOf,
    retrySuccessId: e.retrySuccessId,
    status: e.status,
    ...timestamps(e),
    workflowId: e.workflowId,
    waitTill: e.waitTill,
    storedAt: 'db' as const,
    jsonSizeBytes: jsonSizeBytes(e),
    workflowVersionId: e.workflowVersionId,
  };
}

/** Node output removed, as n8n's redaction does; the run's shape and errors stay. */
function redactedData(data: unknown, canReveal: boolean): object {
  const d = (data ?? {}) as { resultData?: { runData?: Record<string, unknown> } };
  return {
    ...d,
    resultData: { ...d.resultData, runData: {} },
    redactionInfo: { isRedacted: true, reason: 'workflow_redaction_policy', canReveal },
  };
}

function withData(e: StoredExecution, o: ViewOptions): object {
  if (!o.includeData) return {};
  const workflowData = { id: e.workflowId, name: e.workflowId, nodes: [], connections: {} };
  const base = { workflowData, customData: { ...e.customData } };
  if (jsonSizeBytes(e) > o.maxDisplaySizeBytes && !o.ignoreDataSizeLimit) {
    return { ...base, data: {}, dataTooLargeToDisplay: true };
  }
  const redact = o.redact ?? e.redacted;
  return {
    ...base,
    data: redact ? redactedData(e.data, o.canReveal) : structuredClone(e.data),
  };
}

/** An item of `GET /executions`. */
export function listView(e: StoredExecution, o: ViewOptions): object {
  return { ...common(e), ...withData(e, o) };
}

/** `GET /executions/{id}`. */
export function singleView(e: StoredExecution, o: ViewOptions): object {
  return {
    ...common(e),
    createdAt: e.createdAt,
    deletedAt: null,
    tracingContext: null,
    deduplicationKey: null,
    binaryDataSizeBytes: 0,
    usedPrivateCredentials: false,
    ...withData(e, o),
  };
}

/** `DELETE /executions/{id}`: the single view without data, `id` as a number. */
export function deletedView(e: StoredExecution): object {
  const view = singleView(e, {
    includeData: false,
    ignoreDataSizeLimit: false,
    redact: undefined,
    maxDisplaySizeBytes: Infinity,
    canReveal: false,
  });
  return { ...view, id: Number(e.id) };
}
