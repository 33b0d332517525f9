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
  it('answers 202 once the records are gone and suppressed; the background verifies and signs; again → 200 and the receipt', async () => {
    const p = await prospectOf();
    const first = await call('DELETE', `/prospects/${p.id}`, p.user_id);
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('pending');
    const statusUrl = first.body.statusUrl as string;
    expect(first.headers.get('Location')).toBe(statusUrl);
    // What the request path did before answering; the rest is the background's.
    const steps = Object.fromEntries(
      (first.body.steps as Array<{ store: string; status: string }>).map((s) => [
        s.store,
        s.status,
      ]),
    );
    expect(steps).toMatchObject({ postgres: 'completed', suppression: 'completed' });
    expect(steps.verification).toBe('pending');
    const left = await stack.pool.query('select 1 from public.prospects where id = $1', [p.id]);
    expect(left.rowCount).toBe(0);
    const suppressed = await stack.pool.query(
      `select 1 from public.suppression_list where user_id = $1 and reason = 'erasure'`,
      [p.user_id],
    );
    expect(suppressed.rowCount).toBeGreaterThan(0);

    await waitFor(async () => (await erasureOf(p.id)) === 'completed');
    const done = await call('GET', statusUrl, p.user_id);
    expect(done.body.status).toBe('completed');
    expect(verifyReceipt(done.body.receipt, stack.signer.publicKey).ok).toBe(true);
    const again = await call('DELETE', `/prospects/${p.id}`, p.user_id);
    expect(again.status).toBe(200);
    expect(again.body.receipt).toEqual(done.body.receipt);
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

  it('with n8n down: 202 at once; pending until n8n is back, then the retry job completes it', async () => {
    const p = await prospectOf();
    await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.outage = true;
    let accepted;
    try {
      accepted = await call('DELETE', `/prospects/${p.id}`, p.user_id);
      expect(accepted.status).toBe(202);
      // The background tried n8n, failed, and left the step due later.
      await waitFor(async () => {
        const { rows } = await stack.pool.query<{ attempts: number }>(
          `select s.attempts from public.erasure_steps s join public.erasure_requests r
              on r.id = s.request_id where r.prospect_id = $1 and s.store = 'n8n'`,
          [p.id],
        );
        return (rows[0]?.attempts ?? 0) >= 1;
      });
    } finally {
      stack.n8n.faults.outage = false;
    }
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

  it('as deployed on Lambda (background: collector), nothing advances in the process; the collector completes it', async () => {
    const lambdaLike = createApp({
      config: stack.config,
      pool: stack.pool,
      redis: stack.redis,
      n8n: stack.n8nClient,
      erasure: { receiptSigner: stack.signer, background: 'collector' },
    });
    const p = await prospectOf();
    const accepted = await call('DELETE', `/prospects/${p.id}`, p.user_id, lambdaLike);
    expect(accepted.status).toBe(202);
    // Given time, the process did nothing more: Upstash, n8n and the verification wait.
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await stack.pool.query<{ store: string; status: string }>(
      `select s.store, s.status from public.erasure_steps s join public.erasure_requests r
          on r.id = s.request_id where r.prospect_id = $1 order by s.store`,
      [p.id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.store, r.status]))).toEqual({
      n8n: 'pending',
      postgres: 'completed',
      suppression: 'completed',
      upstash: 'pending',
      verification: 'pending',
    });
    const now = new Date();
    const due = await dueErasureRequests(stack.pool, now, 100);
    expect(due).toContain(accepted.body.requestId);
    await advanceErasure(stack.deps(now), accepted.body.requestId as string);
    expect(await erasureOf(p.id)).toBe('completed');
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
    expect((await call('DELETE', `/prospects/${a.id}`, a.user_id, limited)).status).toBe(202);
    expect((await call('DELETE', `/prospects/${b.id}`, a.user_id, limited)).status).toBe(202);
    const third = await call('DELETE', `/prospects/${c.id}`, a.user_id, limited);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('Retry-After'))).toBeGreaterThan(0);
    const left = await stack.pool.query(`select 1 from public.prospects where id = $1`, [c.id]);
    expect(left.rowCount).toBe(1);
  });

  it('under overload answers fast: 503 + Retry-After past the cap and past the deadline; the retry finds the request', async () => {
    const capped = createApp({
      config: stack.config,
      pool: stack.pool,
      redis: stack.redis,
      n8n: stack.n8nClient,
      erasure: { receiptSigner: stack.signer, concurrency: 1, queue: 0, deadlineMs: 300 },
    });
    const a = await prospectOf();
    const b = await prospectOf(a.user_id);
    // An outside session holds the suppression list: the first request's statement waits on
    // it, its only slot held.
    const holder = await stack.pool.connect();
    await holder.query('begin');
    await holder.query('lock table public.suppression_list in exclusive mode');
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await holder.query('rollback');
      holder.release();
    };
    try {
      const slow = call('DELETE', `/prospects/${a.id}`, a.user_id, capped);
      await waitFor(
        async () => {
          const { rows } = await stack.pool.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
            where wait_event_type = 'Lock' and query like 'with ids as%'`,
          );
          return rows[0]!.n > 0;
        },
        10_000,
        'a statement waiting on the lock',
      );
      const refused = await call('DELETE', `/prospects/${b.id}`, a.user_id, capped);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('Retry-After')).toBe('2');
      expect(refused.body.code).toBe('UNAVAILABLE');
      expect(await erasureOf(b.id)).toBeUndefined(); // nothing half-done

      // Past the deadline with nothing committed: 503 too, and nothing half-done either.
      const late = await slow;
      expect(late.status).toBe(503);
      expect(late.headers.get('Retry-After')).toBe('2');
      expect(await erasureOf(a.id)).toBeUndefined();
      await release();
      // The statement then commits as a whole; the client's retry finds its request.
      await waitFor(
        async () => (await erasureOf(a.id)) !== undefined,
        10_000,
        'the request committed',
      );
      const retried = await call('DELETE', `/prospects/${a.id}`, a.user_id, capped);
      expect([200, 202]).toContain(retried.status);
    } finally {
      await release();
    }
    // The slot is free again.
    expect((await call('DELETE', `/prospects/${b.id}`, a.user_id, capped)).status).toBe(202);
  });
});

async function erasureOf(prospectId: string): Promise<string | undefined> {
  const { rows } = await stack.pool.query<{ status: string }>(
    `select status from public.erasure_requests where prospect_id = $1`,
    [prospectId],
  );
  return rows[0]?.status;
}

async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`${what} not met in time`);
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
