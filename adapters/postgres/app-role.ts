import type { Queryable } from './pool.ts';

/**
 * The least-privilege role the app and the collectors connect as, created by the migration
 * `20261130110000_create_app_role.sql` (data access only; the audit log through
 * `public.audit_append`). Migrations and the seed keep running as the owner of the tables.
 */
export const APP_ROLE = 'vigie_app';

/**
 * Lets `vigie_app` log in with `password` (run as the owner or an admin, after migrating) and
 * returns the connection string of `ownerUrl`'s database as that role. Local staging and the
 * tests use it; a deployment sets the password once by hand (see the README).
 */
export async function enableAppLogin(
  owner: Queryable,
  ownerUrl: string,
  password: string,
): Promise<string> {
  // Roles are cluster-wide and test files run in parallel: two ALTER ROLEs on one role can
  // collide ("tuple concurrently updated"), so retry a few times.
  for (let attempt = 1; ; attempt += 1) {
    try {
      // ALTER ROLE takes no bind parameters: a standard SQL literal, quotes doubled.
      await owner.query(
        `alter role ${APP_ROLE} with login password '${password.replaceAll("'", "''")}'`,
      );
      break;
    } catch (error) {
      if (attempt >= 5 || !String((error as Error).message).includes('concurrently')) throw error;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
  return appUrlOf(ownerUrl, password);
}

/** `ownerUrl` with the user (and password) of the app role. */
export function appUrlOf(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = encodeURIComponent(password);
  return url.toString();
}
