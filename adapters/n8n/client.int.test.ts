import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SCRAPE_AND_ENRICH_WORKFLOW_ID,
  type LedgerReport,
  type N8nStandIn,
  startN8nStandIn,
} from '../../sandbox/n8n/stand-in.ts';
import { N8nApiError, createN8nClient, retryAfterSeconds } from './client.ts';

const API_KEY = 'n8n-test-key';
let n8n: N8nStandIn;

beforeAll(async () => {
  n8n = await startN8nStandIn({ apiKey: API_KEY });
  // 7 successes and 3 errors on another workflow, oldest first.
  for (let i = 0; i < 10; i++) {
    n8n.addExecution({
      workflowId: i < 7 ? 'wf-a' : 'wf-b',
      status: i < 7 ? 'success' : 'error',
      data: { resultData: { runData: { n: i } } },
    });
  }
});
afterAll(async () => {
  await n8n.close();
});

const client = () => createN8nClient({ baseUrl: n8n.url, apiKey: API_KEY, timeoutMs: 2000 });

async function rejection(promise: Promise<unknown>): Promise<N8nApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(N8nApiError);
  return error as N8nApiError;
}

describe('n8n client against the n8n stand-in', () => {
  it('pages newest first with a cursor until nextCursor is null', async () => {
    const first = await client().listExecutions({ limit: 4 });
    expect(first.data.map((e) => e.id)).toEqual(['10', '9', '8', '7']);
    expect(first.data[0]).not.toHaveProperty('data');
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client().listExecutions({ cursor: first.nextCursor! });
    expect(second.data.map((e) => e.id)).toEqual(['6', '5', '4', '3']);
    const third = await client().listExecutions({ cursor: second.nextCursor! });
    expect(third.data.map((e) => e.id)).toEqual(['2', '1']);
    expect(third.nextCursor).toBeNull();
  });

  it('iterates every page', async () => {
    const ids: string[] = [];
    for await (const e of client().iterateExecutions({ limit: 3 })) ids.push(e.id);
    expect(ids).toHaveLength(10);
  });

  it('filters by status and workflowId and includes data on request', async () => {
    const errors = await client().listExecutions({ status: 'error' });
    expect(errors.data.map((e) => e.workflowId)).toEqual(['wf-b', 'wf-b', 'wf-b']);
    const a = await client().listExecutions({ workflowId: 'wf-a', includeData: true, limit: 2 });
    expect(a.data.every((e) => e.workflowId === 'wf-a' && e.status === 'success')).toBe(true);
    expect(a.data[0]?.data).toEqual({ resultData: { runData: { n: 6 } } });
  });

  it('rejects limit > 250 and a forged cursor with the server message', async () => {
    const tooMany = await rejection(client().listExecutions({ limit: 251 }));
    expect(tooMany.kind).toBe('bad_request');
    expect(tooMany.message).toMatch(/limit must be <= 250/);
    const forged = await rejection(client().listExecutions({ cursor: 'bm90LWpzb24' }));
    expect(forged.message).toMatch(/invalid cursor/);
  });

  it('gets one execution, with data only when asked', async () => {
    const plain = await client().getExecution('3');
    expect(plain).toMatchObject({ id: '3', workflowId: 'wf-a', status: 'success', finished: true });
    expect(plain).not.toHaveProperty('data');
    expect((await client().getExecution('3', { includeData: true }))?.data).toBeDefined();
    expect(await client().getExecution('99999')).toBeUndefined();
  });

  it('deletes an execution; a second delete reports it already gone', async () => {
    const e = n8n.addExecution({ workflowId: 'wf-c' });
    expect(await client().deleteExecution(e.id)).toMatchObject({ deleted: true });
    expect(await client().deleteExecution(e.id)).toEqual({ deleted: false, reason: 'not_found' });
    expect(n8n.executions().some((x) => x.id === e.id)).toBe(false);
  });

  it('refuses to delete a running execution and leaves running ones out of lists', async () => {
    const running = n8n.addExecution({ workflowId: 'wf-run', status: 'running' });
    const error = await rejection(client().deleteExecution(running.id));
    expect(error.kind).toBe('running');
    expect(error.code).toBe('CONFLICT');
    expect(error.retryable).toBe(true);
    expect(n8n.executions().some((x) => x.id === running.id)).toBe(true);
    const listed = await client().listExecutions({ workflowId: 'wf-run' });
    expect(listed.data).toEqual([]);
    expect((await client().getExecution(running.id))?.status).toBe('running');
  });

  it('reports a wrong API key, an outage and a timeout as typed errors', async () => {
    const wrongKey = createN8nClient({ baseUrl: n8n.url, apiKey: 'nope' });
    const unauthorized = await rejection(wrongKey.listExecutions());
    expect(unauthorized.kind).toBe('unauthorized');
    expect(unauthorized.message).toMatch(/N8N_API_KEY/);
    expect(unauthorized.message).not.toContain('nope');

    n8n.faults.outage = true;
    try {
      const down = await rejection(client().deleteExecution('1'));
      expect(down).toMatchObject({ kind: 'server', status: 503, code: 'UNAVAILABLE' });
    } finally {
      n8n.faults.outage = false;
    }

    n8n.faults.latencyMs = 400;
    try {
      const slow = createN8nClient({ baseUrl: n8n.url, apiKey: API_KEY, timeoutMs: 50 });
      expect((await rejection(slow.getExecution('1'))).kind).toBe('timeout');
    } finally {
      n8n.faults.latencyMs = 0;
    }
  });

  it('reports a 429 as retryable rate_limited with its Retry-After, then works again', async () => {
    n8n.faults.rateLimitedRequests = 1;
    n8n.faults.retryAfterSeconds = 7;
    try {
      const limited = await rejection(client().deleteExecution('1'));
      expect(limited).toMatchObject({
        kind: 'rate_limited',
        status: 429,
        code: 'RATE_LIMITED',
        retryable: true,
        retryAfterSeconds: 7,
      });
      expect(limited.details).toMatchObject({ retryAfterSeconds: 7 });
      // The knob answered one request only: the next one goes through.
      expect((await client().listExecutions({ limit: 1 })).data).toHaveLength(1);
    } finally {
      n8n.faults.rateLimitedRequests = 0;
    }
  });

  it('reports an unreachable host as a network error', async () => {
    const gone = createN8nClient({ baseUrl: 'http://127.0.0.1:1', apiKey: API_KEY });
    expect((await rejection(gone.listExecutions())).kind).toBe('network');
  });
});

describe('scrape-and-enrich webhook workflow', () => {
  async function trigger(standIn: N8nStandIn, prospects: Array<Record<string, unknown>>) {
    return fetch(`${standIn.url}/webhook/scrape-and-enrich`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u-1', prospects }),
    });
  }
  const prospect = {
    id: 'p-1',
    linkedinUrl: 'https://linkedin.invalid/in/jane',
    email: 'jane@example.test',
    fullName: 'Jane Example',
  };

  it('keeps the prospect data in the execution and reports ids to the ledger hook', async () => {
    const reports: LedgerReport[] = [];
    n8n.onExecution((r) => {
      reports.push(r);
    });
    const res = await trigger(n8n, [prospect, { ...prospect, id: 'p-2' }]);
    expect(res.status).toBe(200);
    const { executionId } = (await res.json()) as { executionId: string };
    expect(reports).toEqual([
      {
        executionId,
        workflowId: SCRAPE_AND_ENRICH_WORKFLOW_ID,
        userId: 'u-1',
        prospectIds: ['p-1', 'p-2'],
      },
    ]);
    // Ids only in the report; the personal data sits in the execution, as in n8n.
    expect(JSON.stringify(reports)).not.toContain('jane');
    const execution = await client().getExecution(executionId, { includeData: true });
    expect(execution?.status).toBe('success');
    expect(JSON.stringify(execution?.data)).toContain('jane@example.test');
  });

  it('posts the report to a ledger URL; a failing ledger errors the execution', async () => {
    const received: unknown[] = [];
    let ledgerStatus = 200;
    const { serve } = await import('@hono/node-server');
    const ledger = serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (req) => {
        received.push(await req.json());
        return new Response(null, { status: ledgerStatus });
      },
    });
    await new Promise((r) => ledger.once('listening', r));
    const port = (ledger.address() as { port: number }).port;
    const standIn = await startN8nStandIn({
      apiKey: API_KEY,
      ledgerUrl: `http://127.0.0.1:${port}/ledger`,
    });
    try {
      expect((await trigger(standIn, [prospect])).status).toBe(200);
      expect(received).toEqual([
        expect.objectContaining({ executionId: '1', prospectIds: ['p-1'] }),
      ]);
      ledgerStatus = 503;
      const failed = await trigger(standIn, [prospect]);
      expect(failed.status).toBe(500);
      expect(standIn.executions()[0]).toMatchObject({ id: '2', status: 'error', finished: false });
    } finally {
      await standIn.close();
      (ledger as unknown as { closeAllConnections(): void }).closeAllConnections();
      await new Promise((r) => ledger.close(r));
    }
  });

  it('applies the failure rate and holds running executions when asked', async () => {
    const standIn = await startN8nStandIn({ apiKey: API_KEY });
    try {
      standIn.faults.failureRate = 1;
      standIn.faults.failureStatus = 'crashed';
      expect((await trigger(standIn, [prospect])).status).toBe(500);
      expect(standIn.executions()[0]?.status).toBe('crashed');
      standIn.faults.failureRate = 0;
      standIn.faults.holdRunning = true;
      await trigger(standIn, [prospect]);
      expect(standIn.executions()[0]?.status).toBe('running');
      standIn.finishRunning();
      expect(standIn.executions()[0]).toMatchObject({ status: 'success', finished: true });
    } finally {
      await standIn.close();
    }
  });

  it('refuses a body without prospects', async () => {
    const res = await fetch(`${n8n.url}/webhook/scrape-and-enrich`, {
      method: 'POST',
      body: JSON.stringify({ userId: 'u-1' }),
    });
    expect(res.status).toBe(400);
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-11-30T07:00:00Z');
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('0', now)).toBe(1);
    expect(retryAfterSeconds('Mon, 30 Nov 2026 07:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});
