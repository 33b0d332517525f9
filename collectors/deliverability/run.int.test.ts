import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import { createTxtLookup } from '../../adapters/dns/txt.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { type DnsStandIn, startDnsStandIn } from '../../sandbox/dns/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { findAlert, renderDescription } from '../../core/alerting/labels.ts';
import { run } from './run.ts';

// Real Postgres (app schema + alert router), real UDP DNS through node:dns's Resolver pointed
// at the dns2 stand-in. Events are inserted with explicit occurred_at relative to NOW.
const NOW = new Date('2026-11-26T10:00:00Z');
const DKIM = `v=DKIM1; k=rsa; p=${'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'.padEnd(392, 'Q')}`;

let db: TestDatabase;
let pool: pg.Pool;
let dns: DnsStandIn;
const ids = { user: '', prospect: '', healthy: '', spiky: '', noauth: '' };

async function events(domainId: string, type: string, count: number, hoursAgo: number) {
  await pool.query(
    `insert into public.email_events (user_id, prospect_id, sending_domain_id, type, occurred_at)
     select $1, $2, $3, $4, $5 from generate_series(1, $6)`,
    [ids.user, ids.prospect, domainId, type, new Date(NOW.getTime() - hoursAgo * 3_600_000), count],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  dns = await startDnsStandIn();
  ids.user = (
    await pool.query<{ id: string }>(`insert into auth.users default values returning id`)
  ).rows[0]!.id;
  ids.prospect = (
    await pool.query<{ id: string }>(
      `insert into public.prospects (user_id) values ($1) returning id`,
      [ids.user],
    )
  ).rows[0]!.id;
  for (const name of ['healthy', 'spiky', 'noauth'] as const) {
    ids[name] = (
      await pool.query<{ id: string }>(
        `insert into public.sending_domains (user_id, domain) values ($1, $2) returning id`,
        [ids.user, `${name}.example.test`],
      )
    ).rows[0]!.id;
    dns.setTxt(`${name}.example.test`, ['v=spf1 include:amazonses.com ~all']);
    if (name !== 'noauth') {
      dns.setTxt(`_dmarc.${name}.example.test`, [
        'v=DMARC1; p=none; rua=mailto:dmarc@example.test',
      ]);
      dns.setTxt(`vigie._domainkey.${name}.example.test`, [DKIM]);
    }
  }
  await events(ids.healthy, 'sent', 400, 48);
  await events(ids.healthy, 'sent', 100, 2);
  await events(ids.healthy, 'bounce', 1, 1);
  await events(ids.spiky, 'sent', 300, 3);
  await events(ids.spiky, 'bounce', 3, 2);
});

afterAll(async () => {
  await dns?.close();
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  dns.faults.mode = 'none';
});

const lookupTxt = () => createTxtLookup({ server: dns.address, timeoutMs: 300 });
const outbox = async () =>
  (
    await pool.query<{ alert_id: string; labels: Record<string, unknown> }>(
      'select alert_id, labels from alert_outbox order by id',
    )
  ).rows;

describe('deliverability collector', () => {
  it('scores domains from email_events and DNS, then a bounce spike turns one Red', async () => {
    const first = await run(
      { db: pool, raise, lookupTxt: lookupTxt(), dkimSelectors: ['vigie'] },
      NOW,
    );
    const score = (id: string, s = first) => s.domains.find((d) => d.sendingDomainId === id);
    expect(score(ids.healthy)).toMatchObject({
      score: 'green',
      last24h: { sent: 100, bounces: 1 },
      last7d: { sent: 500 },
    });
    expect(score(ids.spiky)).toMatchObject({
      score: 'green',
      dns: { spf: 'pass', dkim: 'pass', dmarc: 'pass' },
    });
    expect(score(ids.noauth)).toMatchObject({
      score: 'red',
      failing: ['dkim', 'dmarc'],
      dns: { spf: 'pass', dkim: 'fail', dmarc: 'fail' },
    });
    expect((await outbox()).filter((a) => a.labels.sendingDomainId === ids.spiky)).toEqual([]);

    await events(ids.spiky, 'bounce', 30, 0.5);
    const second = await run(
      { db: pool, raise, lookupTxt: lookupTxt(), dkimSelectors: ['vigie'] },
      NOW,
    );
    expect(score(ids.spiky, second)).toMatchObject({
      score: 'red',
      failing: ['bounce-rate-24h', 'bounce-rate-7d'],
    });
    const red = (await outbox()).filter((a) => a.alert_id === 'deliverability-domain-red');
    expect(red.map((a) => a.labels)).toContainEqual({
      sendingDomainId: ids.spiky,
      domain: 'spiky.example.test',
      signal: 'bounce-rate-24h',
      bouncePercent: 11,
      complaintPercent: 0,
      window: '24h',
    });
    expect(second.counts).toEqual({ green: 1, amber: 0, red: 2 });
    // The alert names the company sending domain and the signal, not a UUID.
    const text = renderDescription(
      findAlert('deliverability-domain-red'),
      red.find((a) => a.labels.sendingDomainId === ids.spiky)!.labels as Record<
        string,
        string | number
      >,
    );
    expect(text).toContain('Sending domain spiky.example.test is red: bounce-rate-24h failed');
    expect(text).not.toContain(ids.spiky);
  });

  it.each([
    ['servfail', 'ESERVFAIL'],
    ['no-answer', 'ETIMEOUT'],
  ] as const)(
    'DNS %s: DNS signals unknown, collector-degraded raised, no false green',
    async (mode, reason) => {
      dns.faults.mode = mode;
      const summary = await run(
        { db: pool, raise, lookupTxt: lookupTxt(), dkimSelectors: ['vigie'] },
        NOW,
      );
      expect(summary.status).toBe('degraded');
      expect(summary.unread).toMatchObject([{ source: 'dns', reason }]);
      expect(
        summary.domains.every((d) => d.dns.spf === 'unknown' && d.dns.dkim === 'unknown'),
      ).toBe(true);
      const degraded = (await outbox()).filter((a) => a.alert_id === 'collector-degraded');
      expect(degraded).toHaveLength(1);
    },
  );
});
