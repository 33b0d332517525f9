/**
 * n8n execution failure rate. Failures are `error` + `crashed`; the denominator is finished
 * executions (`success`, `error`, `crashed`, `canceled`). `new`, `running` and `waiting` have
 * no outcome yet and `unknown` cannot be classified: both stay out of the ratio.
 */

export const FAILURE_RATE_THRESHOLD = 0.1;
/** Below this many finished executions a ratio is noise (1 failure in 3 runs is not "33%"). */
export const FAILURE_RATE_MIN_SAMPLE = 20;

export interface ExecutionRecord {
  id: string;
  workflowId: string;
  status: string;
  /** ISO timestamps as n8n reports them (for the execution time); null while not started/stopped. */
  startedAt?: string | null;
  stoppedAt?: string | null;
}

export interface WorkflowRate {
  /** A workflow id, or `all` for the whole instance. */
  workflowId: string;
  failures: number;
  finished: number;
  successes: number;
  /** Executions left out of the ratio (new, running, waiting, unknown). */
  excluded: number;
  /** `null` when nothing finished. */
  rate: number | null;
  /** Enough finished executions for the ratio to mean something. */
  sampled: boolean;
  breaching: boolean;
}

export interface FailureRateResult {
  overall: WorkflowRate;
  perWorkflow: WorkflowRate[];
  /** What to alert on: each breaching workflow; `all` only when no single workflow breaches. */
  alerts: WorkflowRate[];
  warnings: string[];
}

const FAILED = new Set(['error', 'crashed']);
const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

export function computeFailureRate(
  executions: readonly ExecutionRecord[],
  options: { threshold?: number; minSample?: number } = {},
): FailureRateResult {
  const threshold = options.threshold ?? FAILURE_RATE_THRESHOLD;
  const minSample = options.minSample ?? FAILURE_RATE_MIN_SAMPLE;
  const byWorkflow = new Map<string, ExecutionRecord[]>();
  for (const execution of executions) {
    const list = byWorkflow.get(execution.workflowId) ?? [];
    list.push(execution);
    byWorkflow.set(execution.workflowId, list);
  }
  const perWorkflow = [...byWorkflow.entries()]
    .map(([workflowId, list]) => rateOf(workflowId, list, threshold, minSample))
    .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1) || a.workflowId.localeCompare(b.workflowId));
  const overall = rateOf('all', executions, threshold, minSample);
  const breachingWorkflows = perWorkflow.filter((w) => w.breaching);
  const alerts =
    breachingWorkflows.length > 0 ? breachingWorkflows : overall.breaching ? [overall] : [];

  const warnings: string[] = [];
  if (overall.successes === 0 && overall.failures >= minSample) {
    warnings.push(
      'no successful executions in the window while failures are recorded: the instance may not save successes (EXECUTIONS_DATA_SAVE_ON_SUCCESS=none), which makes the ratio meaningless; set it to "all"',
    );
  }
  return { overall, perWorkflow, alerts, warnings };
}

function rateOf(
  workflowId: string,
  list: readonly ExecutionRecord[],
  threshold: number,
  minSample: number,
): WorkflowRate {
  let failures = 0;
  let finished = 0;
  let successes = 0;
  for (const e of list) {
    if (!FINISHED.has(e.status)) continue;
    finished += 1;
    if (FAILED.has(e.status)) failures += 1;
    if (e.status === 'success') successes += 1;
  }
  const rate = finished === 0 ? null : failures / finished;
  const sampled = finished >= minSample;
  return {
    workflowId,
    failures,
    finished,
    successes,
    excluded: list.length - finished,
    rate,
    sampled,
    breaching: sampled && rate !== null && rate > threshold,
  };
}
