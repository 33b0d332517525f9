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
  const max = options.max ?? 10;
  const pool = new pg.Pool({
    connectionString,
    max,
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
  markSaturation(pool, max);
  return pool;
}

const SATURATED = Symbol.for('vigie.pool.saturated');

/**
 * Saturation read from the pool's state, not from pg-pool's message text: a checkout asked
 * while every connection is busy (`totalCount` at `max`, none idle) waits in pg-pool's queue,
 * and the only way such a wait fails short of `pool.end()` is the acquisition timeout
 * (`connectionTimeoutMillis`). Such failures are marked; a timeout opening a *new* connection
 * (the server unreachable) is not saturation and is left unmarked. `pool.query` goes through
 * `pool.connect` too, so both are covered.
 */
function markSaturation(pool: pg.Pool, max: number): void {
  type Done = (release?: unknown) => void;
  type Callback = (err: Error | undefined, client?: pg.PoolClient, done?: Done) => void;
  const acquire = pool.connect.bind(pool) as (cb?: Callback) => Promise<pg.PoolClient> | void;
  const mark = (err: unknown, queued: boolean) => {
    if (queued && err instanceof Error && !(err instanceof pg.DatabaseError) && !pool.ending) {
      Object.defineProperty(err, SATURATED, { value: true });
    }
  };
  const connect = (cb?: Callback) => {
    const queued = pool.totalCount >= max && pool.idleCount === 0;
    if (typeof cb === 'function') {
      return acquire((err, client, done) => {
        if (err) mark(err, queued);
        cb(err, client, done);
      });
    }
    return (acquire() as Promise<pg.PoolClient>).catch((err: unknown) => {
      mark(err, queued);
      throw err;
    });
  };
  (pool as unknown as { connect: typeof connect }).connect = connect;
}

/**
 * Postgres ended the session because it is shutting down or restarting (SQLSTATE class 57:
 * admin_shutdown 57P01, crash_shutdown 57P02, cannot_connect_now 57P03; Postgres docs,
 * Appendix A "PostgreSQL Error Codes"): a fast shutdown, a restart or a failover, which the
 * client may retry, not a bug.
 */
export function isDatabaseGoingAway(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof pg.DatabaseError && typeof code === 'string' && /^57P0[123]$/.test(code);
}

/**
 * True when a pool of `createPool` gave up waiting for a free connection: the database is
 * saturated, which callers report as "busy, retry shortly", not as a bug.
 */
export function isPoolSaturated(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [SATURATED]?: boolean })[SATURATED] === true
  );
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
