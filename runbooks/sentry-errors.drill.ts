import type { Drill } from './drills/types.ts';

/**
 * A bad frontend release: 60 page views throw within a minute, each error through the app's
 * Sentry tunnel → Sentry's metric rule (more than 50 errors in 10 minutes) fires
 * `sentry-error-spike`. The release is rolled back (the burst ends), the runbook checks Sentry;
 * steady once the rule has resolved (fewer than 10 errors in its window).
 */
export const drill: Drill = {
  runbook: 'sentry-errors',
  alert: 'sentry-error-spike',
  fault: "a bad frontend release: 60 errors in a minute through the app's Sentry tunnel",
  deployedStaging: false,
  target: async () => ({}),
  inject: () => ({ standIn: 'frontend', mode: 'error-burst' }),
  // Staging has one Sentry project: a spike is the drill's.
  matches: () => true,
  clearBeforeResolution: true,
  faultEnds: 'the release rolled back',
  async steady(env) {
    const { rows } = await env.pool.query(
      `select 1 from alert_outbox where alert_id = 'sentry-error-spike' and resolved_at is null`,
    );
    return rows.length === 0;
  },
};
