import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentryStandIn, startSentryStandIn } from './server.ts';

/** The org stats API as documented: data categories, and grouping by reason and project. */
const NOW = new Date('2026-11-30T10:00:00Z');
let sentry: SentryStandIn;

beforeAll(async () => {
  sentry = await startSentryStandIn({
    projectId: '5',
    org: 'acme',
    authToken: 't',
    now: () => NOW,
  });
  const envelope = (type: string) =>
    `{}\n${JSON.stringify({ type })}\n${JSON.stringify({ message: 'x' })}`;
  const post = (body: string) =>
    fetch(`${sentry.url}/api/5/envelope/?sentry_key=${sentry.publicKey}`, { method: 'POST', body });
  await post(envelope('event'));
  await post(envelope('attachment'));
  sentry.setFaults({ rateLimitSeconds: 60 });
  await post(envelope('event'));
  sentry.setFaults({});
});
afterAll(async () => sentry?.close());

async function stats(query: string) {
  const res = await fetch(
    `${sentry.url}/api/0/organizations/acme/stats_v2/?field=sum(quantity)&statsPeriod=1d&interval=1d&${query}`,
    { headers: { authorization: 'Bearer t' } },
  );
  return {
    status: res.status,
    body: (await res.json()) as { groups?: { by: object; totals: object }[] },
  };
}

describe('Sentry stand-in org stats', () => {
  it('groups by outcome and reason', async () => {
    const { status, body } = await stats('category=error&groupBy=outcome&groupBy=reason');
    expect(status).toBe(200);
    expect(body.groups?.map((g) => ({ by: g.by, totals: g.totals }))).toEqual(
      expect.arrayContaining([
        { by: { outcome: 'accepted', reason: 'none' }, totals: { 'sum(quantity)': 1 } },
        {
          by: { outcome: 'rate_limited', reason: 'usage_exceeded' },
          totals: { 'sum(quantity)': 1 },
        },
      ]),
    );
  });

  it('counts the documented categories and groups by project', async () => {
    const { body } = await stats('category=attachment&groupBy=category&groupBy=project');
    expect(body.groups?.map((g) => g.by)).toEqual([{ category: 'attachment', project: 5 }]);
  });

  it('refuses an undocumented category or groupBy with 400', async () => {
    expect((await stats('category=errors&groupBy=outcome')).status).toBe(400);
    expect((await stats('category=error&groupBy=color')).status).toBe(400);
  });
});
