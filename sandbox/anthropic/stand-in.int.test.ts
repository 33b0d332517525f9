import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicCostUsd } from '../../adapters/anthropic/admin.ts';
import { type AnthropicStandIn, startAnthropicStandIn } from './stand-in.ts';

// The admin reports must be computed from the traffic the stand-in served: messages go in over
// HTTP, the cost report comes back as decimal strings of cents.
const NOW = new Date('2026-11-26T12:00:00Z');
let a: AnthropicStandIn;
const admin = { 'x-api-key': 'sk-ant-admin-t', 'anthropic-version': '2023-06-01' };

beforeAll(async () => {
  a = await startAnthropicStandIn({
    apiKey: 'sk-ant-t',
    adminKey: 'sk-ant-admin-t',
    now: () => NOW,
    requestsPerMinute: 3,
  });
});
afterAll(async () => a?.close());

async function message(maxTokens = 16) {
  return fetch(`${a.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': 'sk-ant-t',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model: 'claude-haiku-5-5',
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    }),
  });
}

describe('Anthropic stand-in', () => {
  it('serves messages with rate-limit headers, records usage and answers 429 with retry-after past the limit', async () => {
    const first = await message();
    expect(first.status).toBe(200);
    expect(first.headers.get('anthropic-ratelimit-requests-limit')).toBe('3');
    expect(first.headers.get('anthropic-ratelimit-requests-remaining')).toBe('2');
    const body = (await first.json()) as { usage: { input_tokens: number; output_tokens: number } };
    expect(a.ledger.entries.at(-1)).toMatchObject({
      model: 'claude-haiku-5-5',
      uncachedInputTokens: body.usage.input_tokens,
    });
    await message();
    await message();
    const limited = await message();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the spend cap is a 429 with enforced_spend_limit_reached and no retry-after', async () => {
    a.spendCap.reached = true;
    try {
      const r = await message();
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBeNull();
      expect(await r.json()).toMatchObject({
        type: 'error',
        error: {
          type: 'rate_limit_error',
          details: { error_code: 'enforced_spend_limit_reached' },
        },
      });
    } finally {
      a.spendCap.reached = false;
    }
  });

  it('cost_report: cents as decimal strings, daily buckets, paging by next_page', async () => {
    a.ledger.entries.length = 0;
    // 1M Haiku 5.5 input tokens = $0.10 = "10" cents per day, Nov 20–25.
    for (let d = 20; d <= 25; d += 1)
      a.ledger.record({
        at: new Date(Date.UTC(2026, 10, d, 8)),
        model: 'claude-haiku-5-5',
        uncachedInputTokens: 1_000_000,
      });
    const q = new URLSearchParams({
      starting_at: '2026-11-20T00:00:00Z',
      ending_at: '2026-11-26T00:00:00Z',
      limit: '4',
    });
    const page1 = (await (
      await fetch(`${a.url}/v1/organizations/cost_report?${q}`, { headers: admin })
    ).json()) as {
      data: Array<{ results: Array<{ amount: string; currency: string }> }>;
      has_more: boolean;
      next_page: string;
    };
    expect(page1.data).toHaveLength(4);
    expect(page1.data[0]?.results).toMatchObject([{ amount: '10', currency: 'USD' }]);
    expect(page1).toMatchObject({ has_more: true, next_page: '2026-11-24T00:00:00.000Z' });
    const total = await anthropicCostUsd(
      { baseUrl: a.url, adminKey: 'sk-ant-admin-t' },
      new Date('2026-11-20T00:00:00Z'),
      new Date('2026-11-26T00:00:00Z'),
    );
    expect(total).toEqual({ usd: 0.6, days: 6 });
  });

  it('usage_report/messages groups tokens by model; admin endpoints refuse a plain key and bad params', async () => {
    const q = new URLSearchParams({
      starting_at: '2026-11-20T00:00:00Z',
      ending_at: '2026-11-21T00:00:00Z',
      bucket_width: '1h',
      'group_by[]': 'model',
    });
    const usage = (await (
      await fetch(`${a.url}/v1/organizations/usage_report/messages?${q}`, { headers: admin })
    ).json()) as {
      data: Array<{ results: Array<{ model: string; uncached_input_tokens: number }> }>;
    };
    expect(usage.data).toHaveLength(24);
    expect(usage.data.flatMap((b) => b.results)).toEqual([
      expect.objectContaining({ model: 'claude-haiku-5-5', uncached_input_tokens: 1_000_000 }),
    ]);
    expect(
      (
        await fetch(`${a.url}/v1/organizations/cost_report?${q}`, {
          headers: { 'x-api-key': 'sk-ant-t' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await fetch(`${a.url}/v1/organizations/cost_report?${q}`, { headers: admin })).status,
    ).toBe(400); // 1h not allowed
  });
});
