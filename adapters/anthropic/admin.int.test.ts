import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../sandbox/anthropic/stand-in.ts';
import { anthropicCostUsd, anthropicSpendCapReached, anthropicUsageByModel } from './admin.ts';
import {
  costReportExample,
  documentedTokenTypes,
  usageReportExample,
} from './fixtures/admin-reports.ts';

/**
 * The adapter against the API reference's own examples (served verbatim by a bare HTTP
 * server), and the stand-in held to the same documented shapes.
 */
let docServer: Server;
let docUrl = '';
let next: unknown[] = [];
const admin = { adminKey: 'sk-ant-admin-t' };

beforeAll(async () => {
  docServer = createServer((req, res) => {
    // First page: the documented example (has_more + next_page); the next page ends the list.
    const body = new URL(req.url ?? '/', 'http://x').searchParams.has('page')
      ? { data: [], has_more: false, next_page: null }
      : next.shift();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => docServer.listen(0, '127.0.0.1', resolve));
  docUrl = `http://127.0.0.1:${(docServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => docServer.close(resolve));
});

const from = new Date('2025-08-01T00:00:00Z');
const to = new Date('2025-08-02T00:00:00Z');

describe('Anthropic Admin API reports, as documented', () => {
  it('counts the nested cache writes of the documented usage example (1,000 1 h + 500 5 min)', async () => {
    next = [usageReportExample];
    const [sonnet] = await anthropicUsageByModel({ baseUrl: docUrl, ...admin }, from, to);
    expect(sonnet).toEqual({
      model: 'claude-sonnet-4-20250514',
      inputTokens: 1500,
      cacheWriteTokens: 1500,
      cacheReadTokens: 200,
      outputTokens: 500,
    });
  });

  it('refuses a usage row without cache_creation rather than reading zero cache writes', async () => {
    const flat = structuredClone(usageReportExample) as {
      data: { results: Record<string, unknown>[] }[];
    };
    const row = flat.data[0]!.results[0]!;
    delete row.cache_creation;
    row.cache_creation_5m_input_tokens = 500;
    next = [flat];
    await expect(
      anthropicUsageByModel({ baseUrl: docUrl, ...admin }, from, to),
    ).rejects.toMatchObject({
      reason: 'malformed',
    });
  });

  it('sums the documented cost example, and refuses an undocumented token_type', async () => {
    next = [costReportExample];
    const { usd } = await anthropicCostUsd({ baseUrl: docUrl, ...admin }, from, to);
    // "123.78912" cents; sums keep 1/10,000 of a cent.
    expect(usd).toBeCloseTo(1.237891, 6);
    const odd = structuredClone(costReportExample);
    odd.data[0]!.results[0]!.token_type = 'cache_creation_5m_input_tokens';
    next = [odd];
    await expect(anthropicCostUsd({ baseUrl: docUrl, ...admin }, from, to)).rejects.toMatchObject({
      reason: 'malformed',
    });
  });
});

/** The documented usage row, every field, nothing else. */
const documentedUsageRow = z.strictObject({
  uncached_input_tokens: z.number().int(),
  cache_creation: z.strictObject({
    ephemeral_1h_input_tokens: z.number().int(),
    ephemeral_5m_input_tokens: z.number().int(),
  }),
  cache_read_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  server_tool_use: z.object({ web_search_requests: z.number().int() }).nullable(),
  api_key_id: z.string().nullable(),
  workspace_id: z.string().nullable(),
  model: z.string().nullable(),
  service_tier: z.string().nullable(),
  context_window: z.string().nullable(),
});

describe('the Anthropic stand-in admin reports and the spend-cap probe', () => {
  let a: AnthropicStandIn;
  const NOW = new Date('2026-11-26T12:00:00Z');
  const headers = { 'x-api-key': 'sk-ant-admin-t', 'anthropic-version': '2023-06-01' };
  beforeAll(async () => {
    a = await startAnthropicStandIn({
      apiKey: 'sk-ant-t',
      adminKey: 'sk-ant-admin-t',
      now: () => NOW,
    });
    a.ledger.record({
      at: new Date('2026-11-25T08:00:00Z'),
      model: 'claude-haiku-4-5',
      uncachedInputTokens: 1_000,
      cacheCreation5mInputTokens: 500,
      cacheCreation1hInputTokens: 1_000,
      cacheReadInputTokens: 200,
      outputTokens: 300,
    });
  });
  afterAll(async () => a?.close());

  it('answers usage rows in the documented shape, cache writes nested by lifetime', async () => {
    const q = new URLSearchParams({
      starting_at: '2026-11-25T00:00:00Z',
      ending_at: '2026-11-26T00:00:00Z',
      'group_by[]': 'model',
    });
    const body = (await (
      await fetch(`${a.url}/v1/organizations/usage_report/messages?${q}`, { headers })
    ).json()) as { data: { results: unknown[] }[] };
    const rows = body.data.flatMap((b) => b.results);
    expect(rows).toHaveLength(1);
    expect(documentedUsageRow.parse(rows[0])).toMatchObject({
      cache_creation: { ephemeral_1h_input_tokens: 1_000, ephemeral_5m_input_tokens: 500 },
    });
    const [haiku] = await anthropicUsageByModel(
      { baseUrl: a.url, ...admin },
      new Date('2026-11-25T00:00:00Z'),
      new Date('2026-11-26T00:00:00Z'),
    );
    expect(haiku?.cacheWriteTokens).toBe(1_500);
  });

  it('uses only documented token_type values, 1 h cache writes priced', async () => {
    const q = new URLSearchParams({
      starting_at: '2026-11-25T00:00:00Z',
      ending_at: '2026-11-26T00:00:00Z',
      'group_by[]': 'description',
    });
    const body = (await (
      await fetch(`${a.url}/v1/organizations/cost_report?${q}`, { headers })
    ).json()) as { data: { results: { token_type: string; amount: string }[] }[] };
    const results = body.data.flatMap((b) => b.results);
    expect(results.map((r) => r.token_type).sort()).toEqual([...documentedTokenTypes].sort());
    const oneHour = results.find(
      (r) => r.token_type === 'cache_creation.ephemeral_1h_input_tokens',
    );
    // Haiku 4.5: $1/MTok input, so a 1 h write is $2/MTok: 1,000 tokens = 0.2 cents.
    expect(oneHour?.amount).toBe('0.2');
  });

  it('probes the spend cap through the SDK: 429 enforced_spend_limit_reached is true, once', async () => {
    const probe = { baseUrl: a.url, apiKey: 'sk-ant-t' };
    expect(await anthropicSpendCapReached(probe)).toBe(false);
    a.spendCap.reached = true;
    try {
      const before = a.messagesStats.rateLimited + a.messagesStats.admitted;
      expect(await anthropicSpendCapReached(probe)).toBe(true);
      // No retry: one request reached the stand-in.
      expect(a.ledger.entries.length).toBeGreaterThan(0);
      expect(a.messagesStats.rateLimited + a.messagesStats.admitted).toBeLessThanOrEqual(
        before + 1,
      );
    } finally {
      a.spendCap.reached = false;
    }
    await expect(
      anthropicSpendCapReached({ baseUrl: a.url, apiKey: 'sk-ant-wrong' }),
    ).rejects.toMatchObject({ reason: 'refused', status: 401 });
    await expect(
      anthropicSpendCapReached({ baseUrl: 'http://127.0.0.1:1', apiKey: 'sk-ant-t' }),
    ).rejects.toMatchObject({ reason: 'unreachable' });
  });
});
