import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../adapters/postgres/pool.ts';
import { parseConfig } from '../core/config.ts';
import { TEST_ADMIN_URL } from '../testkit/pg.ts';
import { createApp } from './app.ts';

// A pool of one connection that gives up waiting after 1 s: saturation on demand. (Not
// shorter: the same timeout bounds opening the first connection, slow on a loaded machine.)
const pool = createPool(TEST_ADMIN_URL, { max: 1, connectionTimeoutMillis: 1_000 });

afterAll(async () => {
  await pool.end();
});

describe('a saturated database pool', () => {
  it('answers 503 with Retry-After, not an opaque 500', async () => {
    const app = createApp({
      config: parseConfig({ VIGIE_STAGE: 'local' }),
      pool,
      redis: new Redis({ url: 'http://127.0.0.1:1', token: 'unused' }),
    });
    app.get('/t/query', async (c) => c.json((await pool.query('select 1 as one')).rows[0]));

    expect((await app.request('/t/query')).status).toBe(200);
    const held = await pool.connect();
    try {
      const response = await app.request('/t/query');
      expect(response.status).toBe(503);
      expect(response.headers.get('Retry-After')).toBe('1');
      expect(await response.json()).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      held.release();
    }
  });
});

describe('a database that is shutting down', () => {
  it('answers 503 with Retry-After when Postgres ends the session mid-query (57P01), not a 500', async () => {
    const own = createPool(TEST_ADMIN_URL, { max: 1 });
    const admin = createPool(TEST_ADMIN_URL, { max: 1 });
    try {
      const app = createApp({
        config: parseConfig({ VIGIE_STAGE: 'local' }),
        pool: own,
        redis: new Redis({ url: 'http://127.0.0.1:1', token: 'unused' }),
      });
      const { rows } = await own.query<{ pid: number }>('select pg_backend_pid() as pid');
      app.get('/t/slow', async (c) => c.json((await own.query('select pg_sleep(30)')).rows[0]));

      const answer = app.request('/t/slow');
      // What a fast shutdown (Ctrl-C, a restart, a failover) does to each session.
      for (let ended = false; !ended;) {
        await new Promise((r) => setTimeout(r, 50));
        const result = await admin.query<{ ok: boolean }>(
          `select pg_terminate_backend(pid) as ok from pg_stat_activity
            where pid = $1 and query like 'select pg_sleep%'`,
          [rows[0]!.pid],
        );
        ended = result.rows[0]?.ok === true;
      }
      const response = await answer;
      expect(response.status).toBe(503);
      expect(response.headers.get('Retry-After')).toBe('1');
      expect(await response.json()).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await Promise.all([own.end(), admin.end()]);
    }
  });
});
