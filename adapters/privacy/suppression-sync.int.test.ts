import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyring } from '../../core/privacy/keyring.ts';
import { migrate } from '../postgres/migrate.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { seed } from '../postgres/seed.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { isSuppressed } from './suppression.ts';
import { syncSuppressions } from './suppression-sync.ts';

const NOW = new Date('2026-11-26T10:00:00Z');
const HMAC_KEY = parseKeyring(`k1:${'s'.repeat(48)}`);

let db: TestDatabase;
let pool: Pool;

interface P {
  id: string;
  user_id: string;
  email: string;
  linkedin_url: string;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  await seed(pool, { customers: 2, prospectsPerCustomer: 60, seed: 11, now: NOW });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const taken: string[] = [];
async function contactable(): Promise<P> {
  const { rows } = await pool.query<P>(
    `select id, user_id, email, linkedin_url from public.prospects
      where status <> 'unsubscribed' and email is not null and linkedin_url is not null
        and id <> all($1::uuid[])
      order by id limit 1`,
    [taken],
  );
  taken.push(rows[0]!.id);
  return rows[0]!;
}

/** As the app does it: a plain INSERT, no Vigie verb, no HMAC key. */
async function appInsertsEvent(p: P, type: 'unsubscribe' | 'complaint'): Promise<void> {
  await pool.query(
    `insert into public.email_events (user_id, prospect_id, type, occurred_at)
     values ($1, $2, $3, $4)`,
    [p.user_id, p.id, type, NOW],
  );
}

const suppressed = (p: P) =>
  isSuppressed(
    pool,
    { userId: p.user_id, email: p.email, linkedinUrl: p.linkedin_url },
    { hmacKey: HMAC_KEY },
  );

describe('suppression sweep', () => {
  it('a complaint inserted by the app stops contact like an unsubscribe (trigger)', async () => {
    const p = await contactable();
    await appInsertsEvent(p, 'complaint');
    const { rows } = await pool.query(
      'select status, unsubscribed_at, consent_given from public.prospects where id = $1',
      [p.id],
    );
    expect(rows[0]).toEqual({ status: 'unsubscribed', unsubscribed_at: NOW, consent_given: false });
    const members = await pool.query<{ n: string }>(
      `select count(*) as n from public.campaign_prospects
        where prospect_id = $1 and status in ('pending', 'active', 'paused')`,
      [p.id],
    );
    expect(members.rows[0]!.n).toBe('0');
  });

  it('adds the missing suppression records of prospects the app unsubscribed, once', async () => {
    const unsub = await contactable();
    const complaint = await contactable();
    await appInsertsEvent(unsub, 'unsubscribe');
    await appInsertsEvent(complaint, 'complaint');
    expect(await suppressed(unsub)).toBe(false);

    const first = await syncSuppressions(pool, { hmacKey: HMAC_KEY, now: NOW });
    expect(first.synced).toBeGreaterThanOrEqual(2);
    expect(first.remaining).toBe(false);
    expect(await suppressed(unsub)).toBe(true);
    expect(await suppressed(complaint)).toBe(true);
    const reasons = await pool.query<{ prospect_id: string; reason: string }>(
      'select prospect_id, reason from public.suppression_sync where prospect_id = any($1::uuid[])',
      [[unsub.id, complaint.id]],
    );
    expect(Object.fromEntries(reasons.rows.map((r) => [r.prospect_id, r.reason]))).toEqual({
      [unsub.id]: 'unsubscribe',
      [complaint.id]: 'complaint',
    });

    const before = await pool.query<{ n: string }>(
      'select count(*) as n from public.suppression_list',
    );
    const again = await syncSuppressions(pool, { hmacKey: HMAC_KEY, now: NOW });
    expect(again).toEqual({ synced: 0, batches: 1, remaining: false });
    const after = await pool.query<{ n: string }>(
      'select count(*) as n from public.suppression_list',
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('works in bounded batches and says when some are left for the next run', async () => {
    for (let i = 0; i < 3; i++) await appInsertsEvent(await contactable(), 'unsubscribe');
    const partial = await syncSuppressions(pool, {
      hmacKey: HMAC_KEY,
      now: NOW,
      batchSize: 1,
      maxBatches: 2,
    });
    expect(partial).toEqual({ synced: 2, batches: 2, remaining: true });
    const rest = await syncSuppressions(pool, { hmacKey: HMAC_KEY, now: NOW, batchSize: 1 });
    expect(rest.synced).toBe(1);
    expect(rest.remaining).toBe(false);
  });

  it('the tracking row goes with the prospect (nothing left for an erasure scan)', async () => {
    const p = await contactable();
    await appInsertsEvent(p, 'unsubscribe');
    await syncSuppressions(pool, { hmacKey: HMAC_KEY, now: NOW });
    await pool.query('delete from public.prospects where id = $1', [p.id]);
    const { rows } = await pool.query(
      'select 1 from public.suppression_sync where prospect_id = $1',
      [p.id],
    );
    expect(rows).toHaveLength(0);
  });
});
