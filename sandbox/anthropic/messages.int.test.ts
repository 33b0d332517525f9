import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from './stand-in.ts';

// `/v1/messages` held to the official SDK: the SDK is the client, its parsed answers and
// errors are what is asserted.
let a: AnthropicStandIn;
let clock = Date.parse('2026-11-30T10:00:00Z');
const KEY = 'sk-ant-api03-test';

beforeAll(async () => {
  a = await startAnthropicStandIn({
    apiKey: KEY,
    adminKey: 'sk-ant-admin-t',
    now: () => new Date(clock),
    tier: { requestsPerMinute: 5, inputTokensPerMinute: 4_000, outputTokensPerMinute: 1_000 },
    answerTokens: 40,
  });
});
afterAll(async () => a?.close());
beforeEach(() => {
  clock += 120_000; // buckets full again
  a.messagesFaults.mode = 'none';
  a.messagesFaults.count = 0;
  a.faults.mode = 'none';
  a.spendCap.reached = false;
});

const client = (maxRetries = 0) => new Anthropic({ apiKey: KEY, baseURL: a.url, maxRetries });
const ask = {
  model: 'claude-haiku-5-5',
  max_tokens: 100,
  messages: [{ role: 'user' as const, content: 'Summarise: VP Sales, 40-person SaaS' }],
};

function raw(headers: Record<string, string>, body: unknown = ask) {
  return fetch(`${a.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('Anthropic stand-in /v1/messages, through @anthropic-ai/sdk', () => {
  it('answers the SDK (Bearer key) with a message, usage incl. cache fields, request-id and every rate-limit header', async () => {
    const { data, response, request_id } = await client().messages.create(ask).withResponse();
    expect(data.type).toBe('message');
    expect(data.content[0]).toMatchObject({ type: 'text' });
    expect(data.usage).toMatchObject({
      output_tokens: 40,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      service_tier: 'standard',
    });
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(request_id).toMatch(/^req_/);
    for (const name of ['requests', 'input-tokens', 'output-tokens', 'tokens'])
      for (const part of ['limit', 'remaining', 'reset'])
        expect(
          response.headers.get(`anthropic-ratelimit-${name}-${part}`),
          `${name}-${part}`,
        ).not.toBeNull();
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('5');
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('4');
    // 1,000 output tokens − 40 used: rounded to the nearest thousand.
    expect(response.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe('1000');
    expect(Date.parse(response.headers.get('anthropic-ratelimit-requests-reset')!)).toBeGreaterThan(
      clock,
    );
  });

  it('accepts x-api-key too, requires anthropic-version, refuses a wrong key, names bad fields', async () => {
    expect((await raw({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01' })).status).toBe(200);
    const noVersion = await raw({ 'x-api-key': KEY });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
      request_id: noVersion.headers.get('request-id'),
    });
    const wrong = await raw({ 'x-api-key': 'nope', 'anthropic-version': '2023-06-01' });
    expect(wrong.status).toBe(401);
    await expect(
      new Anthropic({ apiKey: 'nope', baseURL: a.url, maxRetries: 0 }).messages.create(ask),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(client().messages.create({ ...ask, max_tokens: 0 })).rejects.toThrow(/max_tokens/);
  });

  it('enforces the tier as token buckets: 429 rate_limit_error with retry-after, output reserved from max_tokens', async () => {
    const c = client();
    // 1,000 output tokens per minute, 400 reserved each while the answer is generated: the
    // third concurrent request is refused at admission although each answer uses only 40.
    a.generation.ms = 300;
    const before = a.messagesStats.rateLimited;
    const first = c.messages.create({ ...ask, max_tokens: 400 });
    const second = c.messages.create({ ...ask, max_tokens: 400 });
    await new Promise((r) => setTimeout(r, 100));
    const error = await c.messages.create({ ...ask, max_tokens: 400 }).catch((e: unknown) => e);
    await Promise.all([first, second]);
    a.generation.ms = 0;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const e = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(a.messagesStats.rateLimited).toBe(before + 1);
    // The unused 360 + 360 came back at the end of each answer: a small request still fits.
    await expect(c.messages.create({ ...ask, max_tokens: 100 })).resolves.toMatchObject({
      type: 'message',
    });
  });

  it('the spend cap is a RateLimitError with enforced_spend_limit_reached and no retry-after', async () => {
    a.spendCap.reached = true;
    const error = (await client()
      .messages.create(ask)
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers?.get('retry-after')).toBeNull();
    expect(error.error).toMatchObject({
      error: { details: { error_code: 'enforced_spend_limit_reached' } },
    });
  });

  it('every fault switch answers in Anthropic error shape; 529 overloaded_error is retried by the SDK', async () => {
    const cases = [
      ['server-error', 500, 'api_error'],
      ['overloaded', 529, 'overloaded_error'],
      ['rate-limited', 429, 'rate_limit_error'],
    ] as const;
    for (const [mode, status, type] of cases) {
      a.messagesFaults.mode = mode;
      const r = await raw({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01' });
      expect(r.status, mode).toBe(status);
      expect(await r.json(), mode).toMatchObject({
        type: 'error',
        error: { type },
        request_id: r.headers.get('request-id'),
      });
    }
    // The admin endpoints' knobs speak the same shape.
    a.faults.mode = 'server-error';
    const admin = await fetch(
      `${a.url}/v1/organizations/cost_report?starting_at=2026-11-01T00:00:00Z`,
      {
        headers: { 'x-api-key': 'sk-ant-admin-t', 'anthropic-version': '2023-06-01' },
      },
    );
    expect(await admin.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    // One 529 then normal: the SDK's single retry gets through.
    Object.assign(a.messagesFaults, { mode: 'overloaded', count: 1, retryAfterSeconds: 0 });
    const faulted = a.messagesStats.faulted;
    await expect(client(1).messages.create(ask)).resolves.toMatchObject({ type: 'message' });
    expect(a.messagesStats.faulted).toBe(faulted + 1);
  });

  it('streams server-sent events the SDK assembles into the same message', async () => {
    const stream = client().messages.stream(ask);
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    const plain = await client().messages.create(ask);
    expect(deltas.length).toBeGreaterThan(1);
    expect(final.content).toEqual(plain.content);
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
  });

  it('prompt caching: a cache_control system prefix is written once, then read (and reads spare the input bucket)', async () => {
    const system = [
      {
        type: 'text' as const,
        text: 'You enrich B2B prospects. '.repeat(40),
        cache_control: { type: 'ephemeral' as const },
      },
    ];
    const first = await client().messages.create({ ...ask, system });
    const second = await client().messages.create({ ...ask, system });
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(200);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(
      first.usage.cache_creation_input_tokens,
    );
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });
});
