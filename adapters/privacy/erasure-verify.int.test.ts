/**
 * The request path's Postgres verification stays an index lookup whatever the customer's size:
 * every probe of its statement is planned on an index (no sequential scan), on a seeded and
 * analysed database. The identifier columns it looks in are all there are (read from the
 * catalog), and the SQL normalisation agrees with the code's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../postgres/migrate.ts';
import { type Pool, type Queryable, createPool, withTransaction } from '../postgres/pool.ts';
import { seed } from '../postgres/seed.ts';
import { normalizeEmail } from '../../core/privacy/suppression.ts';
import { normalizeLinkedinUrl } from '../../core/redis-keys.ts';
import { createTestDatabase } from '../../testkit/pg.ts';
import { IDENTIFIER_COLUMNS, targetedQuery } from './erasure-verify.ts';

let pool: Pool;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase('vigie_verify');
  drop = db.drop;
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  await seed(pool, { customers: 4, prospectsPerCustomer: 1_000, seed: 7, now: new Date() });
  await pool.query('analyze');
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await drop?.();
});

function scans(plan: unknown): Array<{ type: string; relation?: string; index?: string }> {
  const out: Array<{ type: string; relation?: string; index?: string }> = [];
  const walk = (node: Record<string, unknown>) => {
    const type = String(node['Node Type']);
    if (type.includes('Scan')) {
      out.push({
        type,
        relation: node['Relation Name'] as string | undefined,
        index: node['Index Name'] as string | undefined,
      });
    }
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) {
      walk(child);
    }
  };
  walk(plan as Record<string, unknown>);
  return out;
}

describe('request-path verification of Postgres', () => {
  it('plans every probe on an index: no sequential scan of a customer table', async () => {
    const { rows } = await pool.query<{
      id: string;
      user_id: string;
      email: string;
      linkedin_url: string;
    }>(`select id, user_id, email, linkedin_url from public.prospects order by id limit 1`);
    const p = rows[0]!;
    const query = await targetedQuery(
      pool,
      { userId: p.user_id, prospectId: p.id, prospectIds: [p.id] },
      { email: p.email, linkedinUrl: p.linkedin_url },
    );
    const sql = `explain (format json) ${query.parts.join('\nunion all\n')}`;
    const plan = async (client: Queryable) => {
      const { rows: explained } = await client.query<{ 'QUERY PLAN': Array<{ Plan: unknown }> }>(
        sql,
        query.params,
      );
      return scans(explained[0]!['QUERY PLAN'][0]!.Plan);
    };
    // As planned on the seeded data: no table of a thousand rows or more is read whole.
    const { rows: sizes } = await pool.query<{ relname: string; n: number }>(
      `select relname, reltuples::int as n from pg_class where relnamespace = 'public'::regnamespace`,
    );
    const big = new Set(sizes.filter((r) => r.n >= 1_000).map((r) => r.relname));
    expect(big).toContain('prospects');
    expect(big).toContain('email_events');
    const found = await plan(pool);
    expect(found.filter((s) => s.relation !== undefined).length).toBeGreaterThanOrEqual(6);
    expect(found.filter((s) => s.type === 'Seq Scan' && big.has(s.relation!))).toEqual([]);
    // Each identifier probe can use its normalised index (the small tables included, whose
    // plan picks a sequential read today only because they are small). Bitmap index scans
    // name the index, not the table.
    const forced = await withTransaction(pool, async (client) => {
      await client.query('set local enable_seqscan = off');
      return plan(client);
    });
    const indexes = new Set([...found, ...forced].map((s) => s.index));
    for (const name of [
      'prospects_user_email_norm_idx',
      'prospects_user_linkedin_norm_idx',
      'meetings_user_attendee_email_norm_idx',
    ]) {
      expect(indexes, name).toContain(name);
    }
  });

  it('looks in every column of a customer table that holds an email or a LinkedIn URL', async () => {
    const { rows } = await pool.query<{ table: string; column: string }>(
      `select c.table_name as table, c.column_name as column
         from information_schema.columns c
         join information_schema.columns u
           on u.table_schema = c.table_schema and u.table_name = c.table_name
          and u.column_name = 'user_id'
        where c.table_schema = 'public' and c.data_type in ('text', 'character varying')
          and (c.column_name like '%email%' or c.column_name like '%linkedin%')
        order by 1, 2`,
    );
    const listed = IDENTIFIER_COLUMNS.map((c) => `${c.table}.${c.column}`);
    expect(rows.map((r) => `${r.table}.${r.column}`).sort()).toEqual([...listed].sort());
  });

  it('normalises identifiers in SQL exactly as the code does', async () => {
    const emails = [
      '  Jane.Doe@Example.COM ',
      '\tjane.doe@example.com\n',
      '\u00a0JANE@x.test\u3000',
      'plain@x.test',
      '',
      '   ',
    ];
    const urls = [
      'https://www.LinkedIn.com/in/jane-doe/?utm=x',
      'http://linkedin.com/in/jane-doe//',
      ' linkedin.com/in/jane-doe#about ',
      'WWW.linkedin.com/in/Jane-Doe',
      'https://linkedin.com/in/x?a=1/b',
      '',
    ];
    const { rows } = await pool.query<{ e: string[]; u: string[] }>(
      `select array(select public.vigie_normalize_email(x) from unnest($1::text[]) with ordinality t(x, i) order by i) as e,
              array(select public.vigie_normalize_linkedin_url(x) from unnest($2::text[]) with ordinality t(x, i) order by i) as u`,
      [emails, urls],
    );
    expect(rows[0]!.e).toEqual(emails.map(normalizeEmail));
    expect(rows[0]!.u).toEqual(urls.map(normalizeLinkedinUrl));
  });
});
