import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_URL } from '../../testkit/pg.ts';
import { createPool } from './pool.ts';

const pool = createPool(TEST_ADMIN_URL, { max: 2 });
const admin = createPool(TEST_ADMIN_URL, { max: 1 });

afterAll(async () => {
  await Promise.all([pool.end(), admin.end()]);
});

describe('createPool', () => {
  it('survives the server ending a checked-out, idle connection (e.g. mid-transaction)', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    // No query in flight: pg reports the loss as an 'error' event, which pg-pool does not
    // listen for while the client is checked out.
    await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(client.query('select 1')).rejects.toThrow();
    client.release(true);
    // The pool hands out a fresh connection afterwards.
    expect((await pool.query<{ one: number }>('select 1 as one')).rows[0]?.one).toBe(1);
  });
});
