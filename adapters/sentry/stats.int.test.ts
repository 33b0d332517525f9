import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentryStandIn, startSentryStandIn } from '../../sandbox/sentry/server.ts';
import { ProviderReadError } from '../http/read-json.ts';
import { sentryDailyErrors, type SentryStatsOptions } from './stats.ts';

// The Sentry stand-in counts what it ingests; envelopes are posted as the SDK's transport
// posts them (the weekly-summary test sends through @sentry/node itself).
let sentry: SentryStandIn;
let clock = new Date('2026-11-24T10:00:00Z');
let options: SentryStatsOptions;

beforeAll(async () => {
  sentry = await startSentryStandIn({ org: 'acme', authToken: 'tok-1', now: () => clock });
  options = { baseUrl: sentry.url, org: 'acme', authToken: 'tok-1', timeoutMs: 500 };
});
afterAll(async () => {
  await sentry?.close();
});

async function sendErrors(at: string, count: number, extra: string[] = []): Promise<number> {
  clock = new Date(at);
  const lines = [JSON.stringify({ dsn: sentry.dsn })];
  for (let i = 0; i < count; i += 1)
    lines.push(JSON.stringify({ type: 'event' }), JSON.stringify({ event_id: `${i}`.repeat(32) }));
  for (const type of extra) lines.push(JSON.stringify({ type }), '{}');
  const res = await fetch(`${sentry.url}/api/${sentry.projectId}/envelope/`, {
    method: 'POST',
    body: lines.join('\n'),
  });
  return res.status;
}

const START = new Date('2026-11-23T00:00:00Z');
const END = new Date('2026-11-30T00:00:00Z');

describe('sentryDailyErrors against the Sentry stand-in', () => {
  it('counts accepted errors per UTC day and what was rate limited, ignoring other items', async () => {
    expect(await sendErrors('2026-11-22T23:59:00Z', 4)).toBe(200); // the day before: outside
    expect(await sendErrors('2026-11-24T08:00:00Z', 2, ['transaction', 'session'])).toBe(200);
    expect(await sendErrors('2026-11-24T23:30:00Z', 1)).toBe(200);
    expect(await sendErrors('2026-11-27T12:00:00Z', 3)).toBe(200);
    sentry.setFaults({ rateLimitSeconds: 60 });
    expect(await sendErrors('2026-11-28T12:00:00Z', 2)).toBe(429);
    sentry.setFaults({});
    expect(await sendErrors('2026-11-30T00:00:00Z', 5)).toBe(200); // the next Monday: outside

    const counts = await sentryDailyErrors(options, START, END);
    expect(counts.days).toEqual([
      { day: '2026-11-23', accepted: 0 },
      { day: '2026-11-24', accepted: 3 },
      { day: '2026-11-25', accepted: 0 },
      { day: '2026-11-26', accepted: 0 },
      { day: '2026-11-27', accepted: 3 },
      { day: '2026-11-28', accepted: 0 },
      { day: '2026-11-29', accepted: 0 },
    ]);
    expect(counts.accepted).toBe(6);
    expect(counts.dropped).toEqual({ rate_limited: 2 });
  });

  it('the stand-in answers the documented shape, also for a statsPeriod query', async () => {
    clock = new Date('2026-11-30T07:00:00Z');
    const query = new URLSearchParams({
      field: 'sum(quantity)',
      category: 'error',
      interval: '1d',
      statsPeriod: '7d',
    });
    query.append('groupBy', 'outcome');
    const res = await fetch(`${sentry.url}/api/0/organizations/acme/stats_v2/?${query}`, {
      headers: { authorization: 'Bearer tok-1' },
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ start: '2026-11-23T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    expect(body.intervals).toHaveLength(8);
    expect(body.groups).toContainEqual({
      by: { outcome: 'accepted' },
      totals: { 'sum(quantity)': 11 },
      series: { 'sum(quantity)': [0, 3, 0, 0, 3, 0, 0, 5] },
    });
    const bad = await fetch(`${sentry.url}/api/0/organizations/acme/stats_v2/?field=count()`, {
      headers: { authorization: 'Bearer tok-1' },
    });
    expect(bad.status).toBe(400);
  });

  it.each([
    ['server-error', 'server-error'],
    ['rate-limited', 'rate-limited'],
    ['malformed', 'malformed'],
    ['no-answer', 'timeout'],
  ] as const)('a stats API answering %s fails as %s', async (mode, reason) => {
    sentry.statsFaults.mode = mode;
    try {
      const error = await sentryDailyErrors(options, START, END).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderReadError);
      expect(error).toMatchObject({ source: 'sentry stats_v2', reason });
      if (mode === 'rate-limited') expect(error).toMatchObject({ retryAfterSeconds: 30 });
    } finally {
      sentry.statsFaults.mode = 'none';
    }
  });

  it('a wrong token or organization is refused, naming no guess', async () => {
    for (const bad of [{ authToken: 'nope' }, { org: 'other' }]) {
      await expect(sentryDailyErrors({ ...options, ...bad }, START, END)).rejects.toMatchObject({
        reason: 'refused',
      });
    }
  });

  it('an answer whose series do not match its intervals is malformed, not a zero', async () => {
    // A 200 with the wrong shape cannot be produced by the stand-in's knobs: a one-off server.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          intervals: ['2026-11-23T00:00:00Z'],
          groups: [{ by: { outcome: 'accepted' }, series: { 'sum(quantity)': [1, 2] } }],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await expect(
        sentryDailyErrors({ ...options, baseUrl: `http://127.0.0.1:${port}` }, START, END),
      ).rejects.toMatchObject({ reason: 'malformed' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
