import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { migrate } from '../postgres/migrate.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { extendDeadline, listOpenRequests } from './deadlines.ts';

let db: TestDatabase;
let pool: Pool;
const user = randomUUID();

async function request(requestedAt: string, status = 'pending'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into public.erasure_requests (user_id, prospect_id, requested_at, due_at, status,
                                          completed_at, receipt)
     values ($1, $2, $3, $3, $4, case when $4 = 'completed' then $3::timestamptz end,
             case when $4 = 'completed' then '{}'::jsonb end)
     returning id`,
    [user, randomUUID(), requestedAt, status],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('open requests and their Art. 12 deadlines', () => {
  it('lists open requests soonest first, in calendar months, with overdue marked', async () => {
    const jan31 = await request('2026-01-31T10:00:00Z');
    const jan15 = await request('2026-01-15T10:00:00Z');
    const mar01 = await request('2026-03-01T10:00:00Z');
    await request('2026-01-01T10:00:00Z', 'completed');
    const open = await listOpenRequests(pool, new Date('2026-02-20T12:00:00Z'));
    expect(open.map((r) => [r.id, r.deadline.dueOn, r.state.overdue])).toEqual([
      [jan15, '2026-02-15', true],
      [jan31, '2026-02-28', false],
      [mar01, '2026-04-01', false],
    ]);
    expect(open[1]!.state.daysLeft).toBe(8);
  });

  it('extends by two months within the first month only, once, and moves due_at', async () => {
    const id = await request('2026-05-31T10:00:00Z');
    await expect(
      extendDeadline(pool, {
        requestId: id,
        reason: 'Jane asked',
        now: new Date('2026-06-01T00:00:00Z'),
      }),
    ).rejects.toThrow(/slug/);
    const d = await extendDeadline(pool, {
      requestId: id,
      reason: 'complex_request',
      now: new Date('2026-06-10T00:00:00Z'),
    });
    expect(d.dueOn).toBe('2026-08-31');
    const { rows } = await pool.query('select due_at from public.erasure_requests where id = $1', [
      id,
    ]);
    expect((rows[0] as { due_at: Date }).due_at.toISOString()).toBe('2026-08-31T21:59:59.999Z');
    await expect(
      extendDeadline(pool, {
        requestId: id,
        reason: 'again',
        now: new Date('2026-06-11T00:00:00Z'),
      }),
    ).rejects.toThrow(/already extended/);
    const late = await request('2026-01-10T10:00:00Z');
    await expect(
      extendDeadline(pool, {
        requestId: late,
        reason: 'complex_request',
        now: new Date('2026-02-11T00:00:00Z'),
      }),
    ).rejects.toThrow(/Too late/);
    const open = await listOpenRequests(pool, new Date('2026-06-10T00:00:00Z'));
    expect(open.find((r) => r.id === id)).toMatchObject({
      extensionReason: 'complex_request',
      deadline: { dueOn: '2026-08-31', extended: true },
    });
  });
});
