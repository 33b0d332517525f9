import { describe, expect, it } from 'vitest';
import { durationWindow, executionDurations } from './n8n-execution-time.ts';
import type { ExecutionRecord } from './n8n-failure-rate.ts';

const at = (iso: string) => new Date(iso);
const exec = (
  id: string,
  status: string,
  startedAt: string | null,
  stoppedAt: string | null,
): ExecutionRecord => ({ id, workflowId: 'wf-1', status, startedAt, stoppedAt });

describe('n8n execution time', () => {
  it('observes the schedule period that ends at the run, floored to the period', () => {
    // A 15-minute collector invoked 40 s late still observes 09:45–10:00.
    expect(durationWindow(at('2026-11-30T10:00:40Z'), 900)).toEqual({
      start: at('2026-11-30T09:45:00Z'),
      end: at('2026-11-30T10:00:00Z'),
    });
    expect(durationWindow(at('2026-11-30T10:00:00Z'), 900).end).toEqual(at('2026-11-30T10:00:00Z'));
  });

  it('counts each finished execution once across consecutive runs', () => {
    const executions = [
      exec('a', 'success', '2026-11-30T09:40:00Z', '2026-11-30T09:46:30Z'),
      exec('b', 'error', '2026-11-30T09:59:00Z', '2026-11-30T10:00:00Z'), // next period
      exec('c', 'crashed', '2026-11-30T10:01:00Z', '2026-11-30T10:01:02.5Z'),
      exec('d', 'waiting', '2026-11-30T09:50:00Z', null),
      exec('e', 'running', '2026-11-30T09:55:00Z', null),
      exec('f', 'new', null, null),
    ];
    const first = executionDurations(executions, durationWindow(at('2026-11-30T10:00:05Z'), 900));
    const second = executionDurations(executions, durationWindow(at('2026-11-30T10:15:00Z'), 900));
    expect(first).toEqual([{ workflowId: 'wf-1', status: 'success', seconds: 390 }]);
    expect(second).toEqual([
      { workflowId: 'wf-1', status: 'error', seconds: 60 },
      { workflowId: 'wf-1', status: 'crashed', seconds: 2.5 },
    ]);
  });

  it('skips timestamps it cannot trust', () => {
    const window = { start: at('2026-11-30T09:00:00Z'), end: at('2026-11-30T10:00:00Z') };
    expect(
      executionDurations(
        [
          exec('x', 'success', 'not a date', '2026-11-30T09:10:00Z'),
          exec('y', 'success', '2026-11-30T09:20:00Z', '2026-11-30T09:10:00Z'),
        ],
        window,
      ),
    ).toEqual([]);
  });
});
