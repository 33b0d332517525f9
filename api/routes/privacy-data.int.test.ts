import { randomUUID } from 'node:crypto';
import { parseKeyring } from '../../core/privacy/keyring.ts';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { seed } from '../../adapters/postgres/seed.ts';
import { ingestEmailEvent } from '../../adapters/privacy/consent.ts';
import { isSuppressed } from '../../adapters/privacy/suppression.ts';
import { parseConfig } from '../../core/config.ts';
import { EXPORT_SCHEMA_VERSION } from '../../core/privacy/art15.ts';
import {
  type SupabaseAuthStandIn,
  startSupabaseAuthStandIn,
} from '../../sandbox/supabase-auth/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { createApp } from '../app.ts';
import { exportRoutes } from './export.ts';

const HMAC_KEYS = 'k1:suppression-key-for-tests-only-0123456789abcdef';
const HMAC_KEY = parseKeyring(HMAC_KEYS);
const NOW = new Date('2026-11-26T10:00:00Z');

let db: TestDatabase;
let pool: Pool;
let auth: SupabaseAuthStandIn;
let app: ReturnType<typeof createApp>;
let alice: string;
let bob: string;
let token: string;
let bobToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 6 });
  await migrate(pool);
  await seed(pool, { customers: 2, prospectsPerCustomer: 40, seed: 7, now: NOW });
  const users = await pool.query<{ id: string }>('select id from auth.users order by id');
  alice = users.rows[0]!.id;
  bob = users.rows[1]!.id;
  await pool.query(
    `insert into public.erasure_requests (user_id, prospect_id, requested_at, due_at)
     values ($1, $2, $3, $3::timestamptz + interval '1 month')`,
    [alice, randomUUID(), NOW],
  );
  auth = await startSupabaseAuthStandIn({ stateDir: 'memory' });
  const config = parseConfig({
    VIGIE_STAGE: 'local',
    SUPABASE_JWKS_URL: auth.jwksUrl,
    SUPABASE_JWT_ISSUER: auth.issuer,
    SUPPRESSION_HMAC_KEYS: HMAC_KEYS,
  });
  app = createApp({
    config,
    pool,
    // Never reached by these routes; nothing listens there.
    redis: new Redis({ url: 'http://127.0.0.1:1', token: 'unused' }),
  });
  token = await auth.signToken({ userId: alice });
  bobToken = await auth.signToken({ userId: bob });
});

afterAll(async () => {
  await auth?.close();
  await pool?.end();
  await db?.drop();
});

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function auditCount(action: string, userId: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'select count(*) as n from public.audit_log where action = $1 and user_id = $2',
    [action, userId],
  );
  return Number(rows[0]!.n);
}

async function prospectOf(userId: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    "select id from public.prospects where user_id = $1 and status <> 'unsubscribed' order by id limit 1",
    [userId],
  );
  return rows[0]!.id;
}

describe('GET /users/me/data', () => {
  it('streams every section of the user, counts matching the database, nothing of another user', async () => {
    const before = await auditCount('export', alice);
    const res = await app.request('/users/me/data', { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="vigie-export-${new Date().toISOString().slice(0, 10)}.json"`,
    );
    expect(res.body).toBeInstanceOf(ReadableStream);
    // Read it as a stream, chunk by chunk, as a client would.
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(chunks.length).toBeGreaterThan(3);
    const text = Buffer.concat(chunks).toString('utf8');
    const doc = JSON.parse(text) as Record<string, unknown> & {
      counts: Record<string, number>;
      profile: { id: string };
      art15: { processors: Array<{ name: string }> };
    };
    expect(doc.schema_version).toBe(EXPORT_SCHEMA_VERSION);
    expect(doc.complete).toBe(true);
    expect(doc.profile.id).toBe(alice);
    expect(doc.art15.processors.map((p) => p.name)).toEqual(
      expect.arrayContaining(['Supabase', 'Upstash', 'PhantomBuster', 'Anthropic']),
    );
    const tables: Record<string, string> = {
      prospects: 'public.prospects',
      campaigns: 'public.campaigns',
      campaign_prospects: 'public.campaign_prospects',
      meetings: 'public.meetings',
      email_events: 'public.email_events',
      sending_domains: 'public.sending_domains',
      calendar_connections: 'public.calendar_connections',
      erasure_requests: 'public.erasure_requests',
    };
    for (const [section, table] of Object.entries(tables)) {
      const { rows } = await pool.query<{ n: string }>(
        `select count(*) as n from ${table} where user_id = $1`,
        [alice],
      );
      expect(doc.counts[section], section).toBe(Number(rows[0]!.n));
      expect((doc[section] as unknown[]).length, section).toBe(Number(rows[0]!.n));
    }
    expect(doc.counts.prospects).toBeGreaterThan(0);
    expect(doc.counts.email_events).toBeGreaterThan(0);
    expect(doc.counts.erasure_requests).toBe(1);
    // Consent fields are part of each prospect.
    const first = (doc.prospects as Array<Record<string, unknown>>)[0]!;
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining([
        'consent_given',
        'consent_date',
        'lawful_basis',
        'art14_notice_sent_at',
      ]),
    );
    // Not one id of the other customer appears anywhere in the document.
    const bobIds = await pool.query<{ id: string }>(
      `select id::text from public.prospects where user_id = $1
       union all select id::text from public.campaigns where user_id = $1`,
      [bob],
    );
    expect(bobIds.rows.length).toBeGreaterThan(0);
    for (const { id } of bobIds.rows) expect(text).not.toContain(id);
    expect(text).not.toContain(bob);
    expect(await auditCount('export', alice)).toBe(before + 1);
  });

  it('refuses without a token (401 JSON) and writes no audit row', async () => {
    const before = await auditCount('export', alice);
    const res = await app.request('/users/me/data');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await auditCount('export', alice)).toBe(before);
  });

  it('rate-limits per user: 429 with Retry-After, other users unaffected, window resets', async () => {
    let clock = new Date('2026-11-26T12:00:10Z');
    const limited = createApp({
      config: parseConfig({ VIGIE_STAGE: 'local' }),
      pool,
      redis: new Redis({ url: 'http://127.0.0.1:1', token: 'unused' }),
    });
    // Same app wiring, with an injected clock (the default app uses the wall clock).
    const config = parseConfig({
      VIGIE_STAGE: 'local',
      SUPABASE_JWKS_URL: auth.jwksUrl,
      SUPABASE_JWT_ISSUER: auth.issuer,
    });
    limited.route('/t', exportRoutes({ config, pool, now: () => clock }));
    const call = async (t: string) => {
      const res = await limited.request('/t/users/me/data', { headers: bearer(t) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: () => JSON.parse(text) as unknown };
    };
    const user = randomUUID();
    await pool.query('insert into auth.users (id) values ($1)', [user]);
    const userToken = await auth.signToken({ userId: user });
    for (let i = 0; i < 5; i += 1) expect((await call(userToken)).status).toBe(200);
    const before = await auditCount('export', user);
    const refused = await call(userToken);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(3600 - 10));
    const body = refused.json() as Record<string, string>;
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.requestId).toMatch(/\S/);
    expect(await auditCount('export', user)).toBe(before); // refused: no export happened
    expect((await call(bobToken)).status).toBe(200);
    clock = new Date('2026-11-26T13:00:00Z');
    expect((await call(userToken)).status).toBe(200);
  });
});

describe('GET /prospects/{id}', () => {
  it('returns the prospect to its owner and audits the read', async () => {
    const id = await prospectOf(alice);
    const before = await auditCount('read', alice);
    const res = await app.request(`/prospects/${id}`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, consent_given: expect.any(Boolean) });
    expect(await auditCount('read', alice)).toBe(before + 1);
  });

  it('answers 404 (not 403) for another tenant’s prospect, and 400 for a malformed id', async () => {
    const id = await prospectOf(bob);
    const res = await app.request(`/prospects/${id}`, { headers: bearer(token) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await app.request('/prospects/not-a-uuid', { headers: bearer(token) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as Record<string, string>;
    expect(body).toMatchObject({ code: 'BAD_REQUEST' });
    expect(body.message).toMatch(/prospect id/);
    expect(body.requestId).toMatch(/\S/);
  });
});

describe('POST /prospects/{id}/consent', () => {
  const post = (id: string, body: unknown, t = token) =>
    app.request(`/prospects/${id}/consent`, {
      method: 'POST',
      headers: { ...bearer(t), 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function state(id: string) {
    const { rows } = await pool.query(
      `select status, consent_given, consent_date, consent_source, lawful_basis,
              art14_notice_sent_at, unsubscribed_at, updated_at
         from public.prospects where id = $1`,
      [id],
    );
    return rows[0] as Record<string, unknown>;
  }

  it('records consent with its date and source, audited consent_change', async () => {
    const id = await prospectOf(alice);
    const before = await auditCount('consent_change', alice);
    const res = await post(id, {
      action: 'consent',
      source: 'web_form',
      at: '2026-11-20T09:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id,
      consent_given: true,
      consent_date: '2026-11-20T09:00:00.000Z',
      consent_source: 'web_form',
      lawful_basis: 'consent',
    });
    expect(await auditCount('consent_change', alice)).toBe(before + 1);
    // The database trigger audited the write too, with the acting user.
    const { rows } = await pool.query(
      `select actor from public.audit_log where prospect_id = $1 and action = 'prospect_update'
        order by chain_seq desc limit 1`,
      [id],
    );
    expect(rows[0]).toEqual({ actor: alice });
  });

  it("keeps a client's X-Request-Id out of the audit log when it is not an id (a name)", async () => {
    const id = await prospectOf(alice);
    const audited = async (requestId: string) => {
      const res = await app.request(`/prospects/${id}/consent`, {
        method: 'POST',
        headers: {
          ...bearer(token),
          'Content-Type': 'application/json',
          'X-Request-Id': requestId,
        },
        body: JSON.stringify({ action: 'consent', source: 'web_form', at: '2026-11-20T09:00:00Z' }),
      });
      expect(res.status).toBe(200);
      const { rows } = await pool.query<{ request_id: string | null }>(
        `select request_id from public.audit_log where prospect_id = $1 order by id desc limit 2`,
        [id],
      );
      return { header: res.headers.get('x-request-id'), rows: rows.map((r) => r.request_id) };
    };
    // Hono's own check lets `Jean-Dupont` through (letters, digits, `-`, `_`, `=`).
    const named = await audited('Jean-Dupont');
    expect(JSON.stringify(named)).not.toContain('Dupont');
    expect(named.rows).toEqual([named.header, named.header]);
    // An id made of known words and digits still follows the request into the audit rows.
    const kept = await audited('req-consent-42');
    expect(kept).toEqual({ header: 'req-consent-42', rows: ['req-consent-42', 'req-consent-42'] });
  });

  it('records the first Art. 14 notice and keeps it on a second one', async () => {
    // One never notified (the seed notifies some): its first notice is the one we send here.
    const { rows } = await pool.query<{ id: string }>(
      `select id from public.prospects where user_id = $1 and art14_notice_sent_at is null
        order by id limit 1`,
      [alice],
    );
    const id = rows[0]!.id;
    await post(id, { action: 'art14_notice', source: 'first_email', at: '2026-11-21T09:00:00Z' });
    const res = await post(id, {
      action: 'art14_notice',
      source: 'first_email',
      at: '2026-11-25T09:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, string>).art14_notice_sent_at).toBe(
      '2026-11-21T09:00:00.000Z',
    );
  });

  it('records an objection: unsubscribed, memberships stopped, suppressed', async () => {
    const id = await prospectOf(alice);
    const res = await post(id, { action: 'objection', source: 'email_reply' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'unsubscribed',
      consent_given: false,
      suppressed: true,
    });
    const { rows } = await pool.query<{ n: string }>(
      `select count(*) as n from public.campaign_prospects
        where prospect_id = $1 and status in ('pending', 'active', 'paused')`,
      [id],
    );
    expect(rows[0]!.n).toBe('0');
    const p = await pool.query<{ email: string | null; linkedin_url: string | null }>(
      'select email, linkedin_url from public.prospects where id = $1',
      [id],
    );
    expect(
      await isSuppressed(
        pool,
        { userId: alice, email: p.rows[0]!.email, linkedinUrl: p.rows[0]!.linkedin_url },
        { hmacKey: HMAC_KEY },
      ),
    ).toBe(true);
  });

  it('rejects bad input with 400 JSON naming the problem, and changes nothing', async () => {
    const id = await prospectOf(alice);
    const before = await state(id);
    const audits = await auditCount('consent_change', alice);
    const cases: Array<[unknown, RegExp]> = [
      [{ action: 'consent', source: 'web_form', extra: 1 }, /unknown field extra/],
      [{ action: 'maybe', source: 'web_form' }, /action/],
      [{ action: 'consent' }, /source/],
      [{ action: 'consent', source: 'Jane Doe <jane@example.com>' }, /slug/],
      [{ action: 'consent', source: 'web_form', at: 'yesterday' }, /ISO 8601/],
      [{ action: 'consent', source: 'web_form', at: '2030-01-01T00:00:00Z' }, /future/],
      // Absurd past dates were once stored with a 200.
      [
        { action: 'consent', source: 'web_form', at: '0000-01-01T00:00:00Z' },
        /on or after 2000-01-01/,
      ],
      [
        { action: 'consent', source: 'web_form', at: '1899-12-31T23:59:59Z' },
        /on or after 2000-01-01/,
      ],
      [{ action: 'objection', source: 'web_form', at: '1999-12-31T23:59:59Z' }, /2000-01-01/],
      [
        {
          action: 'consent',
          source: 'web_form',
          at: new Date(Date.now() + 6 * 60_000).toISOString(),
        },
        /more than 5 minutes/,
      ],
      ['{not json', /not valid JSON/],
    ];
    for (const [body, says] of cases) {
      const res = await post(id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = (await res.json()) as Record<string, string>;
      expect(json.code).toBe('BAD_REQUEST');
      expect(json.message).toMatch(says);
      expect(json.requestId).toMatch(/\S/);
    }
    const malformed = await post('123', { action: 'consent', source: 'web_form' });
    expect(malformed.status).toBe(400);
    expect(await state(id)).toEqual(before);
    expect(await auditCount('consent_change', alice)).toBe(audits);
  });

  it('answers 404 for another tenant’s prospect and changes nothing', async () => {
    const id = await prospectOf(bob);
    const before = await state(id);
    const res = await post(id, { action: 'objection', source: 'email_reply' });
    expect(res.status).toBe(404);
    expect(await state(id)).toEqual(before);
  });
});

describe('unsubscribe events', () => {
  it('mark the prospect unsubscribed (trigger) and add the suppression record (verb)', async () => {
    const id = await prospectOf(bob);
    const at = new Date('2026-11-26T08:00:00Z');
    const result = await ingestEmailEvent(
      { pool, suppressionKey: HMAC_KEY },
      { userId: bob, prospectId: id, type: 'unsubscribe', occurredAt: at },
    );
    expect(result.suppressed).toBe(true);
    const { rows } = await pool.query<{
      status: string;
      unsubscribed_at: Date;
      email: string | null;
      linkedin_url: string | null;
    }>('select status, unsubscribed_at, email, linkedin_url from public.prospects where id = $1', [
      id,
    ]);
    expect(rows[0]!.status).toBe('unsubscribed');
    expect(rows[0]!.unsubscribed_at.toISOString()).toBe(at.toISOString());
    expect(
      await isSuppressed(
        pool,
        { userId: bob, email: rows[0]!.email, linkedinUrl: rows[0]!.linkedin_url },
        { hmacKey: HMAC_KEY },
      ),
    ).toBe(true);
  });

  it('mark the prospect unsubscribed even when the app inserts the event directly', async () => {
    const id = await prospectOf(bob);
    await pool.query(
      `insert into public.email_events (user_id, prospect_id, type, occurred_at)
       values ($1, $2, 'unsubscribe', $3)`,
      [bob, id, new Date('2026-11-25T08:00:00Z')],
    );
    const { rows } = await pool.query('select status from public.prospects where id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'unsubscribed' });
  });
});
