/**
 * The Sentry metric alert each Vigie project gets (`infra/components/alert-routes.ts` creates
 * it in Sentry; local staging's Sentry stand-in evaluates the same rule): the count of error
 * events over a window, critical above `alertThreshold`, resolved below `resolveThreshold`
 * (Sentry's metric alert fields `timeWindow`, `alertThreshold`, `resolveThreshold`).
 */
export const SENTRY_ERROR_SPIKE_RULE = {
  timeWindowMinutes: 10,
  alertThreshold: 50,
  resolveThreshold: 10,
} as const;
