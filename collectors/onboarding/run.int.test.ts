import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import { createDnsLookup } from '../../adapters/dns/records.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { type DnsStandIn, startDnsStandIn } from '../../sandbox/dns/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { run } from './run.ts';

// Real Postgres (app schema + alert router), real UDP DNS (node:dns Resolver → dns2 stand-in).
const NOW = new Date('2026-11-30T10:00:00Z');
const HOUR = 3_600_000;
const DKIM = `v=DKIM1; k=rsa; p=${'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'.padEnd(392, 'Q')}`;
const TRACKING = { host: 'track', target: 't.vigie-app.test' };

let db: TestDatabase;
let pool: pg.Pool;
let dns: DnsStandIn;
let user = '';

function publish(domain: string, except: string[] = []) {
  if (!except.includes('spf')) dns.setTxt(domain, ['v=spf1 include:amazonses.com ~all']);
  if (!except.includes('dmarc')) dns.setTxt(`_dmarc.${domain}`, ['v=DMARC1; p=quarantine']);
  if (!except.includes('dkim')) dns.setTxt(`vigie._domainkey.${domain}`, [DKIM]);
  if (!except.includes('mx')) dns.mx.set(domain, [{ exchange: 'mx.example.test', priority: 10 }]);
  if (!except.includes('tracking')) dns.cname.set(`track.${domain}`, TRACKING.target);
}

async function domain(name: string, hoursAgo: number, verified = false): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into public.sending_domains (user_id, domain, created_at, verified_at)
     values ($1, $2, $3, $4) returning id`,
    [user, name, new Date(NOW.getTime() - hoursAgo * HOUR), verified ? NOW : null],
  );
  return rows[0]!.id;
}

async function calendar(fields: Record<string, unknown>): Promise<string> {
  const { rows: u } = await pool.query<{ id: string }>(
    'insert into auth.users default values returning id',
  );
  const row = {
    user_id: u[0]!.id,
    provider: 'google',
    status: 'active',
    refresh_token_encrypted: 'enc:v1:x',
    token_expires_at: new Date(NOW.getTime() + HOUR),
    scopes: ['calendar.events'],
    ...fields,
  };
  const names = Object.keys(row);
  const { rows } = await pool.query<{ id: string }>(
    `insert into public.calendar_connections (${names.join(', ')})
     values (${names.map((_, i) => `$${i + 1}`).join(', ')}) returning id`,
    Object.values(row),
  );
  return rows[0]!.id;
}

const deps = () => ({
  db: pool,
  raise,
  dns: createDnsLookup({ server: dns.address, timeoutMs: 300 }),
  dkimSelectors: ['vigie'],
  tracking: TRACKING,
});

const outbox = async (alertId: string) =>
  (
    await pool.query<{ labels: Record<string, unknown> }>(
      'select labels from alert_outbox where alert_id = $1 order by id',
      [alertId],
    )
  ).rows.map((r) => r.labels);

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  dns = await startDnsStandIn();
  user = (await pool.query<{ id: string }>('insert into auth.users default values returning id'))
    .rows[0]!.id;
});

afterAll(async () => {
  await dns?.close();
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  await pool.query('delete from public.sending_domains');
  await pool.query('delete from public.calendar_connections');
  dns.faults.mode = 'none';
});

describe('onboarding collector: sending domains', () => {
  it('alerts on a domain still missing records past the grace period, naming what is missing', async () => {
    const stuck = await domain('stuck.example.test', 30);
    const fresh = await domain('fresh.example.test', 2);
    const ready = await domain('ready.example.test', 30);
    publish('stuck.example.test', ['dkim', 'tracking']);
    publish('fresh.example.test', ['mx']);
    publish('ready.example.test');

    const summary = await run(deps(), NOW);

    expect(summary.status).toBe('alerting');
    expect(await outbox('onboarding-domain-unverified')).toEqual([
      { sendingDomainId: stuck, domain: 'stuck.example.test', missing: 'dkim:tracking', hours: 30 },
    ]);
    const found = (id: string) => summary.domains.find((d) => d.sendingDomainId === id);
    expect(found(fresh)).toMatchObject({ missing: ['mx'], stuck: false });
    expect(found(ready)).toMatchObject({ missing: [], verifiedNow: true });
    const { rows } = await pool.query(
      `select id, verified_at is not null as verified, dkim_status, mx_status, tracking_status
         from public.sending_domains order by domain`,
    );
    expect(rows).toEqual([
      {
        id: fresh,
        verified: false,
        dkim_status: 'valid',
        mx_status: 'invalid',
        tracking_status: 'valid',
      },
      {
        id: ready,
        verified: true,
        dkim_status: 'valid',
        mx_status: 'valid',
        tracking_status: 'valid',
      },
      {
        id: stuck,
        verified: false,
        dkim_status: 'invalid',
        mx_status: 'valid',
        tracking_status: 'invalid',
      },
    ]);
    // Once the records are published, the next run verifies it and raises nothing for it.
    publish('stuck.example.test');
    await pool.query('truncate alert_outbox restart identity cascade');
    const after = await run(deps(), NOW);
    expect(after.domains.find((d) => d.sendingDomainId === stuck)).toMatchObject({
      verifiedNow: true,
    });
    expect(await outbox('onboarding-domain-unverified')).toEqual([]);
  });

  it('a null MX and a CNAME to the wrong host count as missing', async () => {
    const id = await domain('odd.example.test', 48);
    publish('odd.example.test', ['mx', 'tracking']);
    dns.mx.set('odd.example.test', [{ exchange: '', priority: 0 }]);
    dns.cname.set('track.odd.example.test', 'someone-else.example.test');
    await run(deps(), NOW);
    expect(await outbox('onboarding-domain-unverified')).toEqual([
      { sendingDomainId: id, domain: 'odd.example.test', missing: 'mx:tracking', hours: 48 },
    ]);
  });

  it('DNS down: records unknown, no false "missing", collector-degraded once', async () => {
    await domain('a.example.test', 30);
    await domain('b.example.test', 30);
    dns.faults.mode = 'servfail';
    const summary = await run(deps(), NOW);
    expect(summary.status).toBe('degraded');
    expect(summary.unread).toMatchObject([{ source: 'dns', reason: 'ESERVFAIL' }]);
    expect(await outbox('onboarding-domain-unverified')).toEqual([]);
    expect(await outbox('collector-degraded')).toHaveLength(1);
    const { rows } = await pool.query(
      'select count(*)::int as n from public.sending_domains where verified_at is not null',
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('onboarding collector: calendar connections', () => {
  it('classifies each broken connection and skips those awaiting reconnect', async () => {
    const healthy = await calendar({});
    const revoked = await calendar({ status: 'revoked' });
    const expired = await calendar({
      refresh_token_encrypted: null,
      token_expires_at: new Date(NOW.getTime() - HOUR),
    });
    const refreshing = await calendar({ token_expires_at: new Date(NOW.getTime() - HOUR) });
    const scopes = await calendar({ provider: 'microsoft', scopes: ['Calendars.Read'] });
    const failing = await calendar({ refresh_failures: 3 });
    const asked = await calendar({ status: 'revoked', reconnect_requested_at: NOW });

    const summary = await run(deps(), NOW);

    const problems = Object.fromEntries(
      (await outbox('onboarding-calendar-failing')).map((l) => [l.calendarConnectionId, l.problem]),
    );
    expect(problems).toEqual({
      [revoked]: 'token_revoked',
      [expired]: 'token_expired',
      [scopes]: 'missing_scopes',
      [failing]: 'refresh_failing',
    });
    expect(problems[healthy]).toBeUndefined();
    expect(problems[refreshing]).toBeUndefined();
    expect(summary.calendars.find((c) => c.calendarConnectionId === asked)).toMatchObject({
      problem: 'token_revoked',
      awaitingReconnect: true,
    });
    expect(summary.metrics).toContainEqual({
      name: 'vigie_onboarding_calendar_failing',
      value: 1,
      labels: { problem: 'awaiting_reconnect' },
    });
  });
});
