import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type N8nStandIn, startN8nStandIn } from '../../sandbox/n8n/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { createN8nClient, type N8nClient } from '../n8n/client.ts';
import { migrate } from '../postgres/migrate.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { verifyN8n } from './erasure-verify.ts';

/**
 * n8n returns executions without their data when the data is too large to display or
 * redacted. The verification must ask for it, and an execution it still cannot read is
 * "cannot verify" (a hit), never clean.
 */
const NOW = new Date('2026-11-30T10:00:00Z');
const PROSPECT = '6f1c1d2e-0000-4000-8000-000000000001';
const USER = '6f1c1d2e-0000-4000-8000-0000000000aa';
let db: TestDatabase;
let pool: Pool;
let n8n: N8nStandIn;
let client: N8nClient;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  n8n = await startN8nStandIn({ apiKey: 'k', now: () => NOW });
  client = createN8nClient({ baseUrl: n8n.url, apiKey: 'k' });
});
afterAll(async () => {
  await n8n?.close();
  await pool?.end();
  await db?.drop();
});

const run = (c: N8nClient) =>
  verifyN8n(
    pool,
    c,
    { userId: USER, prospectId: PROSPECT, prospectIds: [PROSPECT] },
    { email: 'ada@example.test', linkedinUrl: null },
    { executionIds: [], maxExecutions: 50, now: NOW },
  );
const hits = (r: Awaited<ReturnType<typeof run>>) => r.checks.reduce((n, c) => n + c.hits, 0);

describe('verifyN8n with executions n8n returns without data', () => {
  it('finds the prospect in data too large to display and in redacted data', async () => {
    n8n.display.maxDisplaySizeBytes = 64;
    const holding = {
      resultData: { runData: { Webhook: [{ json: { id: PROSPECT, pad: 'x'.repeat(200) } }] } },
    };
    n8n.addExecution({ workflowId: 'wf-big', startedAt: NOW.toISOString(), data: holding });
    n8n.addExecution({
      workflowId: 'wf-red',
      startedAt: NOW.toISOString(),
      redacted: true,
      data: holding,
    });
    const result = await run(client);
    const search = result.checks.find((c) => c.probe === 'prospect-id');
    expect(search?.hits).toBe(2);
  });

  it('counts an execution it still cannot read as a hit, never as clean', async () => {
    // What an n8n that withholds the data anyway answers (an older version ignoring the
    // parameters, or a key without the reveal scope policy-redacted): a stub of the client,
    // because the stand-in honours the parameters as the current document says.
    const withheld: N8nClient = {
      ...client,
      listExecutions: async () => ({
        data: [
          {
            id: '41',
            finished: true,
            mode: 'webhook',
            startedAt: NOW.toISOString(),
            stoppedAt: NOW.toISOString(),
            workflowId: 'wf-big',
            status: 'success',
            data: {},
            dataTooLargeToDisplay: true,
          },
          {
            id: '40',
            finished: true,
            mode: 'webhook',
            startedAt: NOW.toISOString(),
            stoppedAt: NOW.toISOString(),
            workflowId: 'wf-red',
            status: 'success',
            data: { redactionInfo: { isRedacted: true, reason: 'policy', canReveal: false } },
          },
        ],
        nextCursor: null,
      }),
    };
    const result = await run(withheld);
    expect(hits(result)).toBe(2);
    expect(result.checks.find((c) => /without readable data/.test(c.target))?.hits).toBe(2);
  });

  it('asks n8n for the withheld data', async () => {
    const asked: string[] = [];
    const spying = createN8nClient({
      baseUrl: n8n.url,
      apiKey: 'k',
      fetch: (input, init) => {
        asked.push(String(input));
        return fetch(input, init);
      },
    });
    await run(spying);
    expect(asked[0]).toContain('ignoreDataSizeLimit=true');
    expect(asked[0]).toContain('redactExecutionData=false');
  });

  it('fails on a cursor n8n gives twice, rather than searching the same executions again', async () => {
    n8n.addExecution({ workflowId: 'wf-loop', startedAt: NOW.toISOString(), data: {} });
    let pages = 0;
    const looping = createN8nClient({
      baseUrl: n8n.url,
      apiKey: 'k',
      // An n8n that answers every cursor with its first page and the same cursor again.
      fetch: async (input, init) => {
        pages += 1;
        const url = new URL(String(input));
        url.searchParams.delete('cursor');
        const answer = await fetch(url, init);
        const body = (await answer.json()) as Record<string, unknown>;
        return Response.json({ ...body, nextCursor: 'the-same-cursor' }, { status: answer.status });
      },
    });
    await expect(run(looping)).rejects.toMatchObject({ kind: 'invalid_response' });
    expect(pages).toBe(2);
  });
});
