/**
 * The execution store of the n8n stand-in, shaped like n8n's public API v1 execution objects
 * (n8n docs "n8n public REST API", spec `packages/cli/src/public-api/v1/handlers/executions/
 * spec/` — see /work/shared/reference/privacy.md §4).
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

export class ExecutionStore {
  #next = 1;
  readonly #byId = new Map<string, StoredExecution>();

  add(input: NewExecution, now: Date): StoredExecution {
    const status = input.status ?? 'success';
    const done = status !== 'running' && status !== 'new' && status !== 'waiting';
    const execution: StoredExecution = {
      id: String(this.#next++),
      finished: input.finished ?? status === 'success',
      mode: input.mode ?? 'webhook',
      retryOf: input.retryOf ?? null,
      retrySuccessId: input.retrySuccessId ?? null,
      startedAt: input.startedAt ?? now.toISOString(),
      stoppedAt: input.stoppedAt !== undefined ? input.stoppedAt : done ? now.toISOString() : null,
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

/** The public view: `data` only when asked for (n8n omits it unless `includeData=true`). */
export function publicView(execution: StoredExecution, includeData: boolean): object {
  const { data, ...rest } = execution;
  return includeData ? { ...rest, data: structuredClone(data) } : rest;
}
