import type { Command } from 'commander';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { migrate, migrationStatus } from '../../adapters/postgres/migrate.ts';

/**
 * A pool on `DATABASE_URL` (the app's least-privilege role), or with `as: 'owner'` on
 * `DATABASE_MIGRATION_URL` when set (migrations and the seed run as the tables' owner), or an
 * error saying how to get one.
 */
export function poolFromEnv(
  env: Record<string, string | undefined>,
  options: { as?: 'app' | 'owner' } = {},
): Pool {
  const config = parseConfig(env);
  if (options.as === 'owner' && config.DATABASE_MIGRATION_URL) {
    return createPool(config.DATABASE_MIGRATION_URL, { max: 2 });
  }
  if (!config.DATABASE_URL) {
    throw new VigieError(
      'CONFIG_INVALID',
      'DATABASE_URL is not set: set it to postgres://user:password@host:port/db, or run `npm start`, which starts an embedded Postgres and applies migrations itself.',
      { details: { variables: ['DATABASE_URL'] } },
    );
  }
  return createPool(config.DATABASE_URL, { max: 2 });
}

export function register(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending SQL migrations (recorded in supabase_migrations.schema_migrations)')
    .option('--status', 'list applied, pending and changed migrations without applying any')
    .option('--dir <path>', 'migrations folder (default: the repository migrations/)')
    .action(async (options: { status?: boolean; dir?: string }) => {
      const pool = poolFromEnv(process.env, { as: 'owner' });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      try {
        const dir = options.dir === undefined ? {} : { dir: options.dir };
        if (options.status) {
          const entries = await migrationStatus(pool, dir);
          for (const e of entries)
            out(`${e.state.padEnd(12)} ${e.file ?? `${e.version}_${e.name ?? '?'}`}`);
          const count = (s: string) => entries.filter((e) => e.state === s).length;
          out(
            `${count('applied')} applied, ${count('pending')} pending, ${count('changed')} changed`,
          );
          if (count('changed') > 0) process.exitCode = 1;
          return;
        }
        const result = await migrate(pool, dir);
        for (const file of result.applied) out(`applied ${file}`);
        out(
          result.applied.length === 0
            ? `up to date (${result.skipped} already applied)`
            : `${result.applied.length} applied, ${result.skipped} already applied`,
        );
      } finally {
        await pool.end();
      }
    });
}
