import { describe, expect, it } from 'vitest';
import {
  ERASURE_STEPS,
  needsAttention,
  nextAttemptAt,
  planErasure,
  requestStatus,
  residualWindows,
} from './erasure-plan.ts';

describe('planErasure', () => {
  it('plans one step per store then the verification, all due at once', () => {
    const now = new Date('2026-01-31T10:00:00Z');
    const plan = planErasure(now);
    expect(plan.steps.map((s) => s.store)).toEqual([
      'postgres',
      'upstash',
      'n8n',
      'suppression',
      'verification',
    ]);
    expect(plan.steps.every((s) => s.nextAttemptAt.getTime() === now.getTime())).toBe(true);
    // Jan 31 + one calendar month = end of Feb 28 (Paris), not Mar 2 or Mar 3.
    expect(plan.dueAt.toISOString()).toBe('2026-02-28T22:59:59.999Z');
    expect(ERASURE_STEPS).toHaveLength(5);
  });
});

describe('nextAttemptAt', () => {
  it('backs off 1, 2, 4 … minutes and caps at an hour', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const minutes = [1, 2, 3, 4, 7, 20].map(
      (n) => (nextAttemptAt(n, now).getTime() - now.getTime()) / 60_000,
    );
    expect(minutes).toEqual([1, 2, 4, 8, 60, 60]);
  });
});

describe('residualWindows', () => {
  it('states the n8n pruning and backup windows from the completion time', () => {
    const done = new Date('2026-03-01T00:00:00Z');
    const windows = residualWindows(done, {
      n8nMaxAgeHours: 336,
      n8nHardDeleteBufferHours: 1,
      backupRetentionDays: 7,
    });
    expect(windows.map((w) => [w.store, w.until])).toEqual([
      ['n8n', '2026-03-15T01:00:00.000Z'],
      ['postgres-backups', '2026-03-08T00:00:00.000Z'],
    ]);
  });
});

describe('needsAttention and requestStatus', () => {
  const dueAt = new Date('2026-03-31T21:59:59.999Z');
  const requestedAt = new Date('2026-02-28T12:00:00Z');
  const at = (iso: string, status: 'pending' | 'failed' | 'completed' = 'pending') =>
    needsAttention({ status, requestedAt, dueAt }, new Date(iso));
  it('flags stuck, near-deadline, overdue and failed requests', () => {
    expect(at('2026-02-28T20:00:00Z')).toBe(undefined);
    expect(at('2026-03-02T00:00:00Z')).toBe('stuck');
    expect(at('2026-03-26T00:00:00Z')).toBe('due-soon');
    expect(at('2026-04-01T00:00:00Z')).toBe('overdue');
    expect(at('2026-02-28T13:00:00Z', 'failed')).toBe('failed');
    expect(at('2026-05-01T00:00:00Z', 'completed')).toBe(undefined);
  });
  it('pages a failing step after an hour, a merely queued request after a day', () => {
    const failing = (iso: string) =>
      needsAttention({ status: 'pending', requestedAt, dueAt, failing: true }, new Date(iso));
    expect(failing('2026-02-28T12:59:00Z')).toBe(undefined);
    expect(failing('2026-02-28T13:01:00Z')).toBe('stuck');
    expect(at('2026-02-28T13:01:00Z')).toBe(undefined);
    expect(at('2026-03-01T12:01:00Z')).toBe('stuck');
  });
  it('derives the request status from its steps', () => {
    expect(requestStatus([{ status: 'completed' }, { status: 'pending' }])).toBe('pending');
    expect(requestStatus([{ status: 'completed' }, { status: 'failed' }])).toBe('failed');
    expect(requestStatus([{ status: 'completed' }, { status: 'completed' }])).toBe('completed');
  });
});
