import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { advanceErasure, dueErasureRequests, requestErasure } from './erasure.ts';

// The erasure stack of erasure.int.test.ts (real Postgres, Upstash bridge, n8n stand-in), with
// the n8n stand-in's 429 knob: the n8n step must come back no sooner than Retry-After says.
const NOW = new Date('2026-11-26T09:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

let stack: ErasureStack;

beforeAll(async () => {
  stack = await startErasureStack({ customers: 1, prospectsPerCustomer: 20, now: NOW });
});
afterAll(async () => {
  await stack?.close();
});

describe('erasure when n8n answers 429', () => {
  it('waits for Retry-After (not the 1-minute backoff), then finishes the n8n step', async () => {
    const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
      'select id, user_id from public.prospects order by id limit 1',
    );
    const p = rows[0]!;
    const execution = await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.rateLimitedRequests = 1;
    stack.n8n.faults.retryAfterSeconds = 600;

    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    expect(view.status).toBe('pending');
    const step = view.steps.find((s) => s.store === 'n8n');
    expect(step).toMatchObject({ status: 'pending', nextAttemptAt: minutes(10).toISOString() });
    expect(step?.lastError).toMatch(/^n8n rate_limited: .*retry after 600 s/);
    expect(stack.n8n.executions().some((e) => e.id === execution)).toBe(true);

    // The usual backoff would retry after 1 minute; Retry-After holds the step for 10.
    expect(await dueErasureRequests(stack.pool, minutes(5), 100)).not.toContain(view.id);
    expect(await dueErasureRequests(stack.pool, minutes(10), 100)).toContain(view.id);
    const done = await advanceErasure(stack.deps(minutes(10)), view.id);
    expect(done.status).toBe('completed');
    expect(done.receipt?.stores.n8n.executionsDeleted).toEqual([execution]);
    expect(stack.n8n.executions().some((e) => e.id === execution)).toBe(false);
  });
});
