import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OrgRateLimiter } from './rate-limiter.ts';

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });
const tier = (remaining: { requests: number; input: number; output: number }) =>
  headers({
    'anthropic-ratelimit-requests-limit': '60',
    'anthropic-ratelimit-requests-remaining': String(remaining.requests),
    'anthropic-ratelimit-input-tokens-limit': '6000',
    'anthropic-ratelimit-input-tokens-remaining': String(remaining.input),
    'anthropic-ratelimit-output-tokens-limit': '1200',
    'anthropic-ratelimit-output-tokens-remaining': String(remaining.output),
  });
const demand = { inputTokens: 100, maxTokens: 100 };

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-30T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('OrgRateLimiter', () => {
  it('lets one probe through until the headers tell the limits', async () => {
    const l = new OrgRateLimiter();
    const first = await l.acquire(demand);
    let second = false;
    void l.acquire(demand).then(() => (second = true));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(second).toBe(false);
    l.settle(first, {
      headers: tier({ requests: 59, input: 5900, output: 1100 }),
      usage: { inputTokens: 100, outputTokens: 50 },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBe(true);
    expect(l.knowsLimits).toBe(true);
  });

  it('admits while every bucket holds the share, then queues FIFO until the slowest bucket refills', async () => {
    const l = new OrgRateLimiter();
    l.settle(await l.acquire(demand), {
      headers: tier({ requests: 59, input: 5900, output: 1200 }),
    });
    // Output 1,200/min, 100 reserved each: 12 go now, the 13th waits 100 / (1200/60) = 5 s.
    const admitted: number[] = [];
    for (let i = 0; i < 13; i += 1) void l.acquire(demand).then(() => admitted.push(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toHaveLength(12);
    await vi.advanceTimersByTimeAsync(4_900);
    expect(admitted).toHaveLength(12);
    await vi.advanceTimersByTimeAsync(200);
    expect(admitted).toEqual([...Array(13).keys()]);
    expect(l.stats.sentWhileEmpty).toBe(0);
  });

  it('a lower remaining from the provider wins over the mirror; usage corrections refund output', async () => {
    const l = new OrgRateLimiter();
    const a = await l.acquire(demand);
    l.settle(a, { headers: tier({ requests: 59, input: 5900, output: 1200 }) });
    const b = await l.acquire(demand);
    l.settle(b, {
      headers: tier({ requests: 10, input: 5800, output: 1100 }),
      usage: { inputTokens: 100, outputTokens: 100 },
    });
    expect(Math.floor(l.levels()!.requests)).toBe(10);
    const c = await l.acquire(demand);
    const before = l.levels()!.output;
    l.settle(c, { usage: { inputTokens: 100, outputTokens: 10 } });
    expect(l.levels()!.output - before).toBeCloseTo(90, 0);
  });

  it('retry-after pauses everyone; close rejects waiting and later calls', async () => {
    const l = new OrgRateLimiter();
    l.settle(await l.acquire(demand), {
      headers: tier({ requests: 59, input: 5900, output: 1200 }),
    });
    l.pause(3_000);
    let got = false;
    const waiting = l.acquire(demand).then(() => (got = true));
    await vi.advanceTimersByTimeAsync(2_900);
    expect(got).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await waiting;
    l.pause(60_000);
    const queued = l.acquire(demand);
    l.close(new Error('spend cap'));
    await expect(queued).rejects.toThrow('spend cap');
    await expect(l.acquire(demand)).rejects.toThrow('spend cap');
  });

  it('a call larger than a whole minute of limit is refused, not queued forever', async () => {
    const l = new OrgRateLimiter();
    l.settle(await l.acquire(demand), {
      headers: tier({ requests: 59, input: 5900, output: 1200 }),
    });
    await expect(l.acquire({ inputTokens: 10, maxTokens: 5_000 })).rejects.toThrow(
      /more than the per-minute limits/,
    );
  });
});
