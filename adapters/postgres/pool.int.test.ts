import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_URL } from '../../testkit/pg.ts';
import { createPool, isPoolSaturated } from './pool.ts';

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

describe('isPoolSaturated', () => {
  it('is true when every connection is busy and the wait for one times out', async () => {
    const small = createPool(TEST_ADMIN_URL, { max: 1, connectionTimeoutMillis: 1_000 });
    const held = await small.connect();
    try {
      const viaQuery = await small.query('select 1').catch((e: unknown) => e);
      expect(viaQuery).toBeInstanceOf(Error);
      expect(isPoolSaturated(viaQuery)).toBe(true);
      const viaConnect = await small.connect().catch((e: unknown) => e);
      expect(isPoolSaturated(viaConnect)).toBe(true);
    } finally {
      held.release();
      await small.end();
    }
  });

  it('is false for a timeout opening a new connection (server not answering)', async () => {
    // Accepts TCP and never speaks: pg times out connecting, with a free pool.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const lonely = createPool(`postgres://postgres@127.0.0.1:${port}/postgres`, {
      max: 1,
      connectionTimeoutMillis: 200,
    });
    try {
      const error = await lonely.query('select 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isPoolSaturated(error)).toBe(false);
    } finally {
      await lonely.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('is false for a server error and for a look-alike message from elsewhere', async () => {
    const error = await pool.query('select * from no_such_table').catch((e: unknown) => e);
    expect(isPoolSaturated(error)).toBe(false);
    // The state decides, not the text pg-pool happens to use today.
    expect(isPoolSaturated(new Error('timeout exceeded when trying to connect'))).toBe(false);
  });
});
