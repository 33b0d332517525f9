import type { Config } from '../core/config.ts';
import { ACTUAL_CRITICAL_RATIO, type CostService, PROJECTED_WARNING_RATIO } from '../core/cost.ts';
import { inStage, stored } from '../core/promql.ts';
import { buildDashboard, type DashboardExport } from './build.ts';
import { timeSeries } from './panels.ts';

export type Budgets = Pick<
  Config,
  'BUDGET_ANTHROPIC_USD' | 'BUDGET_UPSTASH_USD' | 'BUDGET_PHANTOMBUSTER_USD' | 'BUDGET_SUPABASE_USD'
>;

const SERVICES: { service: CostService; title: string; budget: keyof Budgets }[] = [
  { service: 'anthropic', title: 'Anthropic (Claude)', budget: 'BUDGET_ANTHROPIC_USD' },
  { service: 'phantombuster', title: 'PhantomBuster', budget: 'BUDGET_PHANTOMBUSTER_USD' },
  { service: 'upstash', title: 'Upstash Redis', budget: 'BUDGET_UPSTASH_USD' },
  { service: 'supabase', title: 'Supabase', budget: 'BUDGET_SUPABASE_USD' },
];

/** The budget lines are the alerts' own: warning at 80 % projected, critical at 100 % spent. */
export function cost(budgets: Budgets): DashboardExport {
  return buildDashboard({
    uid: 'vigie-cost',
    title: 'Vigie — Cost',
    description: 'Month-to-date and projected month-end spend per provider against its budget.',
    tags: ['cost'],
    panels: [
      ...SERVICES.map(({ service, title, budget }) => {
        const usd = budgets[budget];
        const selector = `{service="${service}"}`;
        return {
          panel: timeSeries({
            title: `${title}: spend vs budget ($${usd})`,
            description: `Orange from ${PROJECTED_WARNING_RATIO * 100} % of the budget (the projection alert), red at ${ACTUAL_CRITICAL_RATIO * 100} % (the over-budget alert).`,
            unit: 'currencyUSD',
            min: 0,
            thresholds: [
              { value: usd * PROJECTED_WARNING_RATIO, color: 'orange' },
              { value: usd * ACTUAL_CRITICAL_RATIO, color: 'red' },
            ],
            queries: [
              {
                expr: `max(${inStage(`${stored('vigie_cost_month_to_date_usd')}${selector}`)})`,
                legend: 'month to date',
              },
              {
                expr: `max(${inStage(`${stored('vigie_cost_projected_usd')}${selector}`)})`,
                legend: 'projected month end',
              },
            ],
          }),
        };
      }),
      {
        panel: timeSeries({
          title: 'Claude spend through the enrichment gateway, per day',
          description:
            'What the gateway priced its calls at (dated price list), as it happens; the Anthropic panel is the billed figure.',
          unit: 'currencyUSD',
          min: 0,
          queries: [
            {
              expr: `sum(${inStage(`increase(${stored('vigie.enrichment.cost_usd')}[1d])`)})`,
              legend: 'gateway spend (24 h)',
            },
          ],
        }),
        width: 24,
      },
      {
        panel: timeSeries({
          title: 'Claude spend per tenant through the gateway, month to date (top 10)',
          description:
            'Tenant ids only, from the daily cost collector: who drives the Anthropic line above.',
          unit: 'currencyUSD',
          min: 0,
          queries: [
            {
              expr: `topk(10, max by (tenant_id) (${inStage(stored('vigie_cost_tenant_enrichment_usd'))}))`,
              legend: '{{tenant_id}}',
            },
          ],
        }),
        width: 24,
      },
    ],
  });
}
