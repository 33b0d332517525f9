import { drill as alertDelivery } from '../alert-delivery.drill.ts';
import { drill as auditChain } from '../audit-chain.drill.ts';
import { drill as collectors } from '../collectors.drill.ts';
import { drill as costOverrun } from '../cost-overrun.drill.ts';
import { drill as databasePerformance } from '../database-performance.drill.ts';
import { drill as deliverability } from '../deliverability.drill.ts';
import { drill as n8nFailures } from '../n8n-failures.drill.ts';
import { drill as onboarding } from '../onboarding.drill.ts';
import { drill as privacyErasure } from '../privacy-erasure.drill.ts';
import { drill as sentryErrors } from '../sentry-errors.drill.ts';
import { drill as uptime } from '../uptime.drill.ts';
import type { Drill } from './types.ts';

/** Every drill, by runbook id (the page's `drill:` names it; a test checks both agree). */
export const drills: Record<string, Drill> = {
  deliverability,
  onboarding,
  'database-performance': databasePerformance,
  'n8n-failures': n8nFailures,
  uptime,
  'alert-delivery': alertDelivery,
  'audit-chain': auditChain,
  'sentry-errors': sentryErrors,
  'cost-overrun': costOverrun,
  'privacy-erasure': privacyErasure,
  // Last: its rollback clears every collector switch, the game day's pause included.
  collectors,
};

/**
 * Runbooks without a drill yet, and why (the gap is listed, not hidden: a test keeps this list
 * and the pages' `drill: none` in step, so adding a drill means removing its line here).
 */
export const undrilled: Record<string, string> = {};
