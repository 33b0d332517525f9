import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../adapters/postgres/pool.ts';
import { seed } from '../adapters/postgres/seed.ts';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { run as runDeliverability } from '../collectors/deliverability/run.ts';
import { run as runRetentionPurge } from '../collectors/retention-purge/run.ts';
import { hotQueries, type HotQueryContext } from './hot-queries.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(walk)];
}

const NOW = new Date('2026-11-26T09:00:00Z');
let db: TestDatabase;
let pool: Pool;
let ctx: HotQueryContext;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  // Realistic volume: 20 customers × 1,000 prospects (~55k email events), then fresh statistics.
  await seed(pool, { customers: 20, prospectsPerCustomer: 1000, seed: 7, now: NOW });
  await pool.query('analyze');
  const pick = await pool.query<{
    user_id: string;
    campaign_id: string;
    prospect_id: string;
    linkedin_url: string;
    message_id: string;
  }>(
    `select e.user_id, e.campaign_id, e.prospect_id, p.linkedin_url, e.message_id
     from public.email_events e join public.prospects p on p.id = e.prospect_id
     order by e.id limit 1`,
  );
  const row = pick.rows[0];
  if (!row) throw new Error('seed produced no email events');
  ctx = {
    userId: row.user_id,
    campaignId: row.campaign_id,
    prospectId: row.prospect_id,
    linkedinUrl: row.linkedin_url,
    messageId: row.message_id,
    now: NOW,
  };
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('hot queries use their indexes on seeded volume', () => {
  it('lists queries with unique ids', () => {
    expect(new Set(hotQueries.map((q) => q.id)).size).toBe(hotQueries.length);
  });

  it.each(hotQueries.map((q) => [q.id, q] as const))('%s', async (_id, query) => {
    const result = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `explain (format json) ${query.sql}`,
      query.params(ctx),
    );
    const plan = result.rows[0]?.['QUERY PLAN'][0]?.Plan;
    if (!plan) throw new Error('no plan');
    const nodes = walk(plan);
    const onTable = nodes.filter((n) => n['Relation Name'] === query.table);
    const summary = nodes.map(
      (n) =>
        `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`,
    );
    expect(onTable.length, summary.join(' / ')).toBeGreaterThan(0);
    expect(
      onTable.filter((n) => n['Node Type'] === 'Seq Scan'),
      summary.join(' / '),
    ).toEqual([]);
    expect(
      nodes.map((n) => n['Index Name']),
      summary.join(' / '),
    ).toContain(query.index);
    // The query must also run and return rows of the expected shape.
    await pool.query(query.sql, query.params(ctx));
  });
});

describe('the collectors run the very statements proven above', () => {
  /** Records every statement text sent through the pool. */
  function recording(): { db: Pick<Pool, 'query'>; statements: string[] } {
    const statements: string[] = [];
    const db = {
      query: ((text: string, values?: unknown[]) => {
        statements.push(text);
        return pool.query(text, values);
      }) as Pool['query'],
    };
    return { db, statements };
  }
  const proven = new Set(hotQueries.map((q) => q.sql));
  const raise = async () => undefined;

  it('deliverability reads email events only through a hot query', async () => {
    const { db, statements } = recording();
    const summary = await runDeliverability(
      { db, raise, lookupTxt: async () => [], dkimSelectors: [] },
      NOW,
    );
    expect(summary.domains.length).toBeGreaterThan(0);
    const onEvents = statements.filter((s) => /public\.email_events/.test(s));
    expect(onEvents.length).toBeGreaterThan(0);
    expect(onEvents.filter((s) => !proven.has(s))).toEqual([]);
  });

  it('retention-purge pages prospects only through a hot query', async () => {
    const { db, statements } = recording();
    // Nothing is erased here: the purge's own statements are what is checked.
    await runRetentionPurge({ db, raise, erase: async () => ({ status: 'completed' }) }, NOW);
    const onProspects = statements.filter((s) => /from public\.prospects/.test(s));
    expect(onProspects.length).toBeGreaterThan(0);
    expect(onProspects.filter((s) => !proven.has(s))).toEqual([]);
  });
});
