import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { seed } from '../../adapters/postgres/seed.ts';
import { poolFromEnv } from './migrate.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

export function register(program: Command): void {
  program
    .command('seed')
    .description('Fill an empty, migrated database with deterministic demo data (Postgres only)')
    .option('--customers <n>', 'customers (auth users with a profile)', positiveInt, 50)
    .option('--prospects <n>', 'prospects per customer', positiveInt, 2000)
    .option('--seed <n>', 'random seed: the same seed gives the same data', positiveInt, 42)
    .action(async (options: { customers: number; prospects: number; seed: number }) => {
      const pool = poolFromEnv(process.env, { as: 'owner' });
      try {
        const result = await seed(pool, {
          customers: options.customers,
          prospectsPerCustomer: options.prospects,
          seed: options.seed,
          now: new Date(),
        });
        const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
        for (const [table, n] of Object.entries(result.rows))
          process.stdout.write(`${table.padEnd(22)} ${n}\n`);
        process.stdout.write(`seeded ${total} rows in ${result.ms} ms\n`);
      } finally {
        await pool.end();
      }
    });
}
