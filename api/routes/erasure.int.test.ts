import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceErasure, dueErasureRequests } from '../../adapters/privacy/erasure.ts';
import { verifyReceipt } from '../../core/privacy/receipt.ts';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { createApp } from '../app.ts';

let stack: ErasureStack;
const NOW = new Date();

beforeAll(async () => {
  stack = await startErasureStack({ customers: 3, prospectsPerCustomer: 40, now: NOW });
});
afterAll(async () => {
  await stack?.close();
});

const taken = new Set<string>();
async function prospectOf(userId?: string): Promise<{ id: string; user_id: string }> {
  const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
    `select p.id, p.user_id from public.prospects p
      where ($1::uuid is null or p.user_id = $1) and p.id <> all($2::uuid[])
        and (select count(*) from public.prospects q where q.user_id = p.user_id
              and (q.email = p.email or q.linkedin_url = p.linkedin_url)) = 1
      order by p.id limit 1`,
    [userId ?? null, [...taken]],
  );
  const row = rows[0]!;
  taken.add(row.id);
  return row;
}

async function call(method: string, path: string, userId?: string, app = stack.app) {
  const headers: Record<string, string> = {};
  if (userId) headers.Authorization = `Bearer ${await stack.token(userId)}`;
  const res = await app.request(path, { method, headers });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('DELETE /prospects/{id}', () => {
  it('erases and answers 200 with a verifiable receipt; again → the same answer', async () => {
    const p = await prospectOf();
    const first = await call('DELETE', `/prospects/${p.id}`, p.user_id);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('completed');
    expect(verifyReceipt(first.body.receipt, stack.signer.publicKey).ok).toBe(true);
    const again = await call('DELETE', `/prospects/${p.id}`, p.user_id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('refuses a malformed id (400), a missing token (401), another tenant (404)', async () => {
    const bad = await call('DELETE', '/prospects/12345', (await prospectOf()).user_id);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/Prospect id must be a UUID/),
    });
    expect(bad.body.requestId).toEqual(expect.any(String));

    const victim = await prospectOf();
    expect((await call('DELETE', `/prospects/${victim.id}`)).status).toBe(401);
    const { rows } = await stack.pool.query<{ id: string }>(
      `select id from auth.users where id <> $1 limit 1`,
      [victim.user_id],
    );
    const other = await call('DELETE', `/prospects/${victim.id}`, rows[0]!.id);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('NOT_FOUND');
    const left = await stack.pool.query(`select 1 from public.prospects where id = $1`, [
      victim.id,
    ]);
    expect(left.rowCount).toBe(1);
  });

  it('answers 202 with a status URL when n8n is down; the retry job completes it', async () => {
    const p = await prospectOf();
    await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.outage = true;
    let accepted;
    try {
      accepted = await call('DELETE', `/prospects/${p.id}`, p.user_id);
    } finally {
      stack.n8n.faults.outage = false;
    }
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('pending');
    const statusUrl = accepted.body.statusUrl as string;
    expect(accepted.headers.get('Location')).toBe(statusUrl);
    expect((await call('GET', statusUrl, p.user_id)).body.status).toBe('pending');
    // Someone else's status URL is as unknown as a random one.
    const { rows } = await stack.pool.query<{ id: string }>(
      `select id from auth.users where id <> $1 limit 1`,
      [p.user_id],
    );
    expect((await call('GET', statusUrl, rows[0]!.id)).status).toBe(404);
    expect((await call('GET', '/erasure-requests/nope', p.user_id)).status).toBe(400);

    const later = new Date(Date.now() + 10 * 60_000);
    // The retry collector's tick (collectors/erasure-retry), ten minutes later.
    for (const id of await dueErasureRequests(stack.pool, later, 100)) {
      await advanceErasure(stack.deps(later), id);
    }
    const done = await call('GET', statusUrl, p.user_id);
    expect(done.body.status).toBe('completed');
    expect(verifyReceipt(done.body.receipt, stack.signer.publicKey).ok).toBe(true);
  });

  it('limits erasures per user: 429 with Retry-After', async () => {
    const limited = createApp({
      config: stack.config,
      pool: stack.pool,
      redis: stack.redis,
      n8n: stack.n8nClient,
      erasure: {
        receiptSigner: stack.signer,
        rateLimit: { action: 'erase-test', limit: 2, windowSeconds: 60 },
      },
    });
    const a = await prospectOf();
    const [b, c] = [await prospectOf(a.user_id), await prospectOf(a.user_id)];
    expect((await call('DELETE', `/prospects/${a.id}`, a.user_id, limited)).status).toBe(200);
    expect((await call('DELETE', `/prospects/${b.id}`, a.user_id, limited)).status).toBe(200);
    const third = await call('DELETE', `/prospects/${c.id}`, a.user_id, limited);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('Retry-After'))).toBeGreaterThan(0);
    const left = await stack.pool.query(`select 1 from public.prospects where id = $1`, [c.id]);
    expect(left.rowCount).toBe(1);
  });

  it('under overload answers fast: 503 + Retry-After past the cap, 202 + status URL past the deadline', async () => {
    const capped = createApp({
      config: stack.config,
      pool: stack.pool,
      redis: stack.redis,
      n8n: stack.n8nClient,
      erasure: { receiptSigner: stack.signer, concurrency: 1, queue: 0, deadlineMs: 300 },
    });
    const a = await prospectOf();
    const b = await prospectOf(a.user_id);
    // Every n8n call now takes a second: the verification's search holds the only slot.
    stack.n8n.faults.latencyMs = 1_000;
    try {
      const slow = call('DELETE', `/prospects/${a.id}`, a.user_id, capped);
      // Let the first request take the slot (its JWT check and rate limit come first).
      await waitFor(async () => (await erasureOf(a.id)) !== undefined);
      const refused = await call('DELETE', `/prospects/${b.id}`, a.user_id, capped);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('Retry-After')).toBe('2');
      expect(refused.body.code).toBe('UNAVAILABLE');
      expect(await erasureOf(b.id)).toBeUndefined(); // nothing half-done

      const accepted = await slow;
      expect(accepted.status).toBe(202);
      expect(accepted.body.status).toBe('pending');
      const statusUrl = accepted.body.statusUrl as string;
      expect(accepted.headers.get('Location')).toBe(statusUrl);
      // The work goes on after the answer, and completes.
      await waitFor(async () => (await erasureOf(a.id)) === 'completed');
      expect((await call('GET', statusUrl, a.user_id, capped)).body.status).toBe('completed');
    } finally {
      stack.n8n.faults.latencyMs = 0;
    }
    // The slot is free again.
    expect((await call('DELETE', `/prospects/${b.id}`, a.user_id, capped)).status).toBe(200);
  });
});

async function erasureOf(prospectId: string): Promise<string | undefined> {
  const { rows } = await stack.pool.query<{ status: string }>(
    `select status from public.erasure_requests where prospect_id = $1`,
    [prospectId],
  );
  return rows[0]?.status;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('POST /hooks/n8n/ledger', () => {
  const report = {
    executionId: '9001',
    workflowId: 'wf-scrape-and-enrich',
    userId: '6f1c2f4e-9a7b-4c1d-8e2f-0a1b2c3d4e5f',
    prospectIds: ['2a6b2b36-3f7c-4f4e-8f55-0e4b7d4c1d22'],
  };
  const post = (body: unknown, secret?: string) =>
    stack.app.request('/hooks/n8n/ledger', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === undefined ? {} : { 'X-Vigie-Hook-Secret': secret }),
      },
      body: JSON.stringify(body),
    });

  it('records a report with the shared secret, idempotently', async () => {
    const secret = stack.config.N8N_HOOK_SECRET as string;
    const first = await post(report, secret);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ recorded: 1 });
    expect(await (await post(report, secret)).json()).toEqual({ recorded: 0 });
  });

  it('refuses a wrong secret and a payload carrying personal data', async () => {
    expect((await post(report, 'wrong')).status).toBe(401);
    expect((await post(report)).status).toBe(401);
    const leaky = await post(
      { ...report, email: 'jane@example.test' },
      stack.config.N8N_HOOK_SECRET,
    );
    expect(leaky.status).toBe(400);
    expect(((await leaky.json()) as { message: string }).message).toMatch(/unknown field email/);
  });
});
