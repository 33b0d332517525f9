/**
 * Vigie's Grafana dashboards, as data: the infrastructure program provisions every entry of
 * `dashboards` (uid, title, folder, JSON model). `buildDashboards(config)` builds them with
 * a deployment's own budgets (the cost panels draw the same lines the cost alerts use).
 */
import { type Config, parseConfig } from '../core/config.ts';
import type { DashboardExport } from './build.ts';
import { type Budgets, cost } from './cost.ts';
import { deliverability } from './deliverability.ts';
import { load } from './load.ts';
import { n8n } from './n8n.ts';
import { overview } from './overview.ts';
import { privacy } from './privacy.ts';

export type { DashboardExport } from './build.ts';
export { statusPage } from './status-page.ts';

export function buildDashboards(config: Budgets | Config): DashboardExport[] {
  return [overview(), privacy(), n8n(), cost(config), deliverability(), load()];
}

/** Built with the default budgets of `core/config.ts`. */
// The stage is required by the config but plays no part in the budgets read here.
export const dashboards: DashboardExport[] = buildDashboards(parseConfig({ VIGIE_STAGE: 'local' }));
