import { describe, expect, it } from 'vitest';
import { computeFailureRate, type ExecutionRecord } from './n8n-failure-rate.ts';

function runs(workflowId: string, status: string, count: number): ExecutionRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${workflowId}-${status}-${i}`,
    workflowId,
    status,
  }));
}

describe('computeFailureRate', () => {
  it('counts error + crashed as failures and leaves new/running/waiting/unknown out', () => {
    const result = computeFailureRate([
      ...runs('wf1', 'success', 16),
      ...runs('wf1', 'error', 3),
      ...runs('wf1', 'crashed', 1),
      ...runs('wf1', 'running', 5),
      ...runs('wf1', 'waiting', 2),
      ...runs('wf1', 'new', 4),
      ...runs('wf1', 'unknown', 1),
    ]);
    expect(result.overall).toMatchObject({ failures: 4, finished: 20, excluded: 12, rate: 0.2 });
    expect(result.alerts.map((a) => a.workflowId)).toEqual(['wf1']);
  });

  it('does not alert at exactly 10% or below the minimum sample', () => {
    const atThreshold = computeFailureRate([...runs('a', 'success', 18), ...runs('a', 'error', 2)]);
    expect(atThreshold.overall.rate).toBe(0.1);
    expect(atThreshold.alerts).toEqual([]);
    const tiny = computeFailureRate([...runs('b', 'success', 2), ...runs('b', 'error', 3)]);
    expect(tiny.overall.sampled).toBe(false);
    expect(tiny.alerts).toEqual([]);
  });

  it('alerts per breaching workflow, and on the overall rate only when no single workflow breaches', () => {
    const one = computeFailureRate([
      ...runs('bad', 'success', 10),
      ...runs('bad', 'error', 10),
      ...runs('good', 'success', 100),
    ]);
    expect(one.alerts.map((a) => a.workflowId)).toEqual(['bad']);
    const spread = computeFailureRate(
      ['w1', 'w2', 'w3', 'w4', 'w5'].flatMap((w) => [
        ...runs(w, 'success', 6),
        ...runs(w, 'crashed', 2),
      ]),
    );
    expect(spread.perWorkflow.every((w) => !w.breaching)).toBe(true);
    expect(spread.alerts.map((a) => a.workflowId)).toEqual(['all']);
  });

  it('warns when failures are recorded but no success is', () => {
    const result = computeFailureRate(runs('x', 'error', 25));
    expect(result.warnings.join(' ')).toContain('EXECUTIONS_DATA_SAVE_ON_SUCCESS');
    expect(computeFailureRate(runs('x', 'success', 25)).warnings).toEqual([]);
  });

  it('reports a null rate when nothing finished', () => {
    expect(computeFailureRate(runs('x', 'running', 3)).overall.rate).toBeNull();
  });
});
