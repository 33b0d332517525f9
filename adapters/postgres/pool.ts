import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/**
 * A pool for Supavisor's transaction mode: no session state (no prepared statement names,
 * no `SET` outside a transaction), so the same code runs against a direct connection too.
 */
export function createPool(
  connectionString: string,
  options: { max?: number; connectionTimeoutMillis?: number } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    application_name: 'vigie',
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // pg-pool listens for errors only on idle clients: a checked-out client whose server goes
  // away (a restart, Ctrl-C reaching Postgres first) would emit an unhandled 'error' and kill
  // the process. Its pending query still rejects, so callers see the failure.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * True when pg-pool gave up waiting for a free connection (`connectionTimeoutMillis`): the
 * database is saturated, which callers report as "busy, retry shortly", not as a bug.
 */
export function isPoolSaturated(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}

/** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
