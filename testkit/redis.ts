/**
 * The Redis the tests use, as `TEST_DATABASE_URL` is for Postgres: `TEST_REDIS_URL` names the
 * server (default: loopback, db 0). A suite that needs its own keyspace asks for a db number on
 * that same server, so pointing the tests at another Redis moves every suite with it.
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** `TEST_REDIS_URL`, or the same server with another db number. */
export function testRedisUrl(db?: number): string {
  if (db === undefined) return TEST_REDIS_URL;
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis db must be an integer ≥ 0: ${db}`);
  const url = new URL(TEST_REDIS_URL);
  url.pathname = `/${db}`;
  return url.toString();
}
