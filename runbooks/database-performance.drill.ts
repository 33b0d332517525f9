import type { Drill } from './drills/types.ts';

/** A session holds a lock in an open transaction; another waits → the runbook ends the holder. */
export const drill: Drill = {
  runbook: 'database-performance',
  alert: 'db-session-blocked',
  collector: 'db-health',
  fault: 'a long transaction holding an exclusive lock on a table, a second session blocked',
  deployedStaging: true,
  target: async () => ({ table: 'meetings' }),
  inject: (t) => ({ standIn: 'postgres', mode: 'lock', args: { table: t.table ?? 'meetings' } }),
  // Staging has no other lock waits: any blocked session is the drill's.
  matches: () => true,
  async steady(env) {
    const { rows } = await env.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and cardinality(pg_blocking_pids(pid)) > 0`,
    );
    return rows[0]!.n === 0;
  },
};
