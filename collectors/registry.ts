import type { CollectorName } from '../core/catalog/collectors.ts';
import type { CollectorRunner } from './shared/wiring.ts';

export type { CollectorRunner } from './shared/wiring.ts';

/**
 * Every catalog collector's wiring, imported lazily: `vigie run <collector>` and local
 * staging's scheduler load only what they run. The Lambda handlers do not come through here:
 * each imports its own `wiring.ts`, so its bundle holds only its own adapters
 * (`bundles.int.test.ts` proves it). A collector added to `core/catalog` must be added here.
 */
export const collectorWirings = {
  'n8n-failure-rate': () => import('./n8n-failure-rate/wiring.ts'),
  cost: () => import('./cost/wiring.ts'),
  deliverability: () => import('./deliverability/wiring.ts'),
  'weekly-summary': () => import('./weekly-summary/wiring.ts'),
  'retention-purge': () => import('./retention-purge/wiring.ts'),
  'erasure-retry': () => import('./erasure-retry/wiring.ts'),
  'alert-dispatch': () => import('./alert-dispatch/wiring.ts'),
  onboarding: () => import('./onboarding/wiring.ts'),
  'db-health': () => import('./db-health/wiring.ts'),
  'audit-anchor': () => import('./audit-anchor/wiring.ts'),
  uptime: () => import('./uptime/wiring.ts'),
} as const satisfies Record<CollectorName, () => Promise<{ runner: CollectorRunner }>>;

export function isRunnable(name: string): name is CollectorName {
  return Object.hasOwn(collectorWirings, name);
}

/** The runner of one collector, its adapters loaded on first use. */
export async function loadRunner(name: CollectorName): Promise<CollectorRunner> {
  return (await collectorWirings[name]()).runner;
}
