import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestErasure } from '../privacy/erasure.ts';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { retryErasure, verifyErasure } from './erasure.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
let stack: ErasureStack;

beforeAll(async () => {
  stack = await startErasureStack({ customers: 2, prospectsPerCustomer: 20, now: NOW });
});
afterAll(async () => {
  await stack?.close();
});

async function auditRows(requestId: string): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>(
    `select count(*)::int as n from public.audit_log
      where action = 'runbook.erasure_retry' and request_id = $1`,
    [`erasure:${requestId}`],
  );
  return rows[0]!.n;
}

describe('erasure runbook actions', () => {
  it('retry finishes an erasure failed on n8n once n8n is back; audited once, safe twice', async () => {
    const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
      'select id, user_id from public.prospects order by id limit 1',
    );
    const p = rows[0]!;
    await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.apiErrors = true;
    let id: string;
    try {
      const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
      id = view.id;
      expect(view.status).toBe('pending');
      expect(view.steps.find((s) => s.store === 'n8n')).toMatchObject({ status: 'pending' });
      // Still failing, and already due (the first backoff is a minute): nothing rescheduled,
      // nothing audited; the attempt fails again and the request stays pending.
      const still = await retryErasure(stack.deps(minutes(1)), id);
      expect(still.rescheduled).toEqual([]);
      expect(still.view.status).toBe('pending');
      expect(await auditRows(id)).toBe(0);
      const verdict = await verifyErasure(stack, id, stack.signer.publicKey);
      expect(verdict).toMatchObject({ ok: false });
      if (!verdict.ok) expect(verdict.reason).toMatch(/pending.*n8n pending/);
    } finally {
      stack.n8n.faults.apiErrors = false;
    }
    const first = await retryErasure(stack.deps(minutes(2)), id);
    expect(first.rescheduled).toEqual(['n8n']);
    expect(first.view.status).toBe('completed');
    const audited = await auditRows(id);
    expect(audited).toBe(1);
    // Twice: nothing to do, nothing written.
    const second = await retryErasure(stack.deps(minutes(3)), id);
    expect(second).toMatchObject({ before: 'completed', rescheduled: [] });
    expect(await auditRows(id)).toBe(audited);

    const ok = await verifyErasure(stack, id, stack.signer.publicKey);
    expect(ok).toMatchObject({ ok: true, prospectRowsLeft: 0 });
    if (ok.ok) expect(ok.receipt.requestId).toBe(id);
  });

  it('retry brings a failed request back to pending; verify rejects an unknown id', async () => {
    const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
      'select id, user_id from public.prospects order by id desc limit 1',
    );
    const p = rows[0]!;
    await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.apiErrors = true;
    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    stack.n8n.faults.apiErrors = false;
    // As after 12 attempts: the worker no longer retries it.
    await stack.pool.query(
      `update public.erasure_steps set status = 'failed', attempts = 12 where request_id = $1 and store = 'n8n'`,
      [view.id],
    );
    await stack.pool.query(`update public.erasure_requests set status = 'failed' where id = $1`, [
      view.id,
    ]);
    const result = await retryErasure(stack.deps(minutes(5)), view.id);
    expect(result.before).toBe('failed');
    expect(result.rescheduled).toContain('n8n');
    expect(result.view.status).toBe('completed');
    await expect(
      verifyErasure(stack, '00000000-0000-4000-8000-000000000000', stack.signer.publicKey),
    ).resolves.toMatchObject({ ok: false, reason: /no erasure request/ });
    await expect(retryErasure(stack.deps(NOW), 'nope')).rejects.toThrow(/UUID|uuid/);
  });
});
