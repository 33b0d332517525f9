import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { seed } from '../adapters/postgres/seed.ts';
import { createTestDatabase } from '../testkit/pg.ts';

/**
 * Migrate-from-empty time and the default seed's rate (50 customers × 2,000 prospects, Postgres
 * only) on a fresh database of the loopback Postgres (`TEST_DATABASE_URL` overrides).
 * Target: the default seed well under a minute on 2 cores.
 */
export async function benchMigrateSeed(): Promise<Record<string, number | string>> {
  const db = await createTestDatabase('vigie_bench');
  const pool = createPool(db.url, { max: 2 });
  try {
    let t = performance.now();
    const migrated = await migrate(pool);
    const migrateMs = performance.now() - t;
    t = performance.now();
    await migrate(pool);
    const rerunMs = performance.now() - t;

    const result = await seed(pool, {
      customers: 50,
      prospectsPerCustomer: 2000,
      seed: 42,
      now: new Date(),
    });
    const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
    const version = await pool.query<{ v: string }>(
      `select current_setting('server_version') as v`,
    );
    return {
      postgres: version.rows[0]?.v ?? '?',
      'migrations applied': migrated.applied.length,
      'migrate from empty (ms)': Math.round(migrateMs),
      're-run, nothing pending (ms)': Math.round(rerunMs),
      'seed rows': total,
      'seed prospects': result.rows.prospects ?? 0,
      'seed email events': result.rows.email_events ?? 0,
      'seed time (ms)': result.ms,
      'seed rate (rows/s)': Math.round(total / (result.ms / 1000)),
    };
  } finally {
    await pool.end();
    await db.drop();
  }
}
