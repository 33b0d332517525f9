import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { requestErasure } from '../../adapters/privacy/erasure.ts';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { run } from './run.ts';

const NOW = new Date('2026-11-26T02:00:00Z');
const DAY = 86_400_000;

let stack: ErasureStack;
let old: string[]; // unsubscribed 31–45 days ago: to erase
let recent: string[]; // unsubscribed 29 days ago: to keep

beforeAll(async () => {
  stack = await startErasureStack({ customers: 2, prospectsPerCustomer: 30, now: NOW });
  const { pool } = stack;
  // Start from a known state: the seed's own unsubscribes are moved out of the window.
  await pool.query(
    `update public.prospects set unsubscribed_at = $1 where status = 'unsubscribed'`,
    [new Date(NOW.getTime() - 5 * DAY)],
  );
  const { rows } = await pool.query<{ id: string }>(
    `select id::text from public.prospects where status <> 'unsubscribed' order by id limit 10`,
  );
  old = rows.slice(0, 7).map((r) => r.id);
  recent = rows.slice(7).map((r) => r.id);
  for (const [i, id] of old.entries()) {
    await pool.query(
      `update public.prospects set status = 'unsubscribed', unsubscribed_at = $2 where id = $1`,
      [id, new Date(NOW.getTime() - (31 + i * 2) * DAY)],
    );
  }
  for (const id of recent) {
    await pool.query(
      `update public.prospects set status = 'unsubscribed', unsubscribed_at = $2 where id = $1`,
      [id, new Date(NOW.getTime() - 29 * DAY)],
    );
  }
});

afterAll(async () => {
  await stack?.close();
});

async function remaining(ids: string[]): Promise<number> {
  const { rows } = await stack.pool.query<{ n: string }>(
    'select count(*) as n from public.prospects where id = any($1::uuid[])',
    [ids],
  );
  return Number(rows[0]!.n);
}

/** A database that fails on the n-th candidate query, as a crash mid-run would stop the run. */
function crashingDb(db: Queryable, failOnQuery: number): Queryable {
  let queries = 0;
  return {
    query: ((...args: Parameters<Queryable['query']>) => {
      queries += 1;
      if (queries === failOnQuery) return Promise.reject(new Error('connection terminated'));
      return (db.query as (...a: unknown[]) => unknown)(...args);
    }) as Queryable['query'],
  };
}

describe('retention-purge', () => {
  it('resumes after a crash mid-run and erases only prospects unsubscribed > 30 days ago', async () => {
    const erase = (input: { userId: string; prospectId: string }) =>
      requestErasure(stack.deps(NOW), input);
    // Batches of 2: the second batch query fails, after two prospects were erased.
    await expect(
      run({ db: crashingDb(stack.pool, 2), raise, erase, batchSize: 2 }, NOW),
    ).rejects.toThrow(/connection terminated/);
    expect(await remaining(old)).toBe(old.length - 2);

    const summary = await run({ db: stack.pool, raise, erase, batchSize: 2 }, NOW);
    expect(summary).toMatchObject({
      erased: old.length - 2,
      skipped: 0,
      failed: 0,
      deferred: 0,
      batches: 3,
      status: 'ok',
    });
    expect(await remaining(old)).toBe(0);
    expect(await remaining(recent)).toBe(recent.length);
    // Through the erasure path: one completed request with a receipt per erased prospect.
    const { rows } = await stack.pool.query<{ status: string; n: string }>(
      `select status, count(*) as n from public.erasure_requests
        where prospect_id = any($1::uuid[]) group by status`,
      [old],
    );
    expect(rows).toEqual([{ status: 'completed', n: String(old.length) }]);
    // Nothing left for a second run the same day.
    const again = await run({ db: stack.pool, raise, erase, batchSize: 2 }, NOW);
    expect(again).toMatchObject({ erased: 0, failed: 0, batches: 0 });
  });

  it('counts failures, keeps going, and raises retention-purge-failed', async () => {
    const later = new Date(NOW.getTime() + 2 * DAY); // now the "recent" ones are 31 days old
    let calls = 0;
    const summary = await run(
      {
        db: stack.pool,
        raise,
        erase: async (input) => {
          calls += 1;
          if (calls === 1) throw new Error('boom');
          return requestErasure(stack.deps(later), input);
        },
      },
      later,
    );
    expect(summary).toMatchObject({ erased: recent.length - 1, failed: 1, status: 'alerting' });
    expect(summary.failures[0]).toMatchObject({ errorCode: 'INTERNAL' });
    expect(summary.alertsRaised).toEqual([
      {
        alertId: 'retention-purge-failed',
        labels: { dataset: 'prospects', errorCode: 'INTERNAL' },
      },
    ]);
    const { rows } = await stack.pool.query(
      `select alert_id from public.alert_outbox where alert_id = 'retention-purge-failed'`,
    );
    expect(rows).toHaveLength(1);
    expect(await remaining(recent)).toBe(1);
  });
});
