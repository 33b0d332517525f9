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
