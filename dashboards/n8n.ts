import { FAILURE_RATE_THRESHOLD } from '../core/n8n-failure-rate.ts';
import { inStage, label, stored } from '../core/promql.ts';
import { buildDashboard, type DashboardExport, idVariable } from './build.ts';
import { timeSeries } from './panels.ts';

const RATE = stored('vigie_n8n_failure_rate');
const DURATION = stored('vigie.n8n.execution.duration');
const WORKFLOW = 'workflow_id';
const ERR_WORKFLOW = label('n8n.workflow_id');

export function n8n(): DashboardExport {
  const selected = `${WORKFLOW}=~"$${WORKFLOW}"`;
  return buildDashboard({
    uid: 'vigie-n8n',
    title: 'Vigie — n8n workflows',
    description:
      'Failure rate per workflow against the alert threshold, executions, execution time, error reports.',
    tags: ['n8n'],
    variables: [idVariable(WORKFLOW, 'Workflow id', RATE)],
    panels: [
      {
        panel: timeSeries({
          title: 'Failure rate per workflow (and "all")',
          description: `Failed (error + crashed) over finished executions in the collector's window; the alert fires above ${FAILURE_RATE_THRESHOLD * 100} %.`,
          unit: 'percentunit',
          min: 0,
          thresholds: [{ value: FAILURE_RATE_THRESHOLD, color: 'red' }],
          queries: [
            {
              expr: `max by (${WORKFLOW}) (${inStage(`${RATE}{${selected}}`)})`,
              legend: `{{${WORKFLOW}}}`,
            },
          ],
        }),
        width: 24,
      },
      {
        panel: timeSeries({
          title: 'Executions finished in the window',
          description: 'The sample the failure rate is computed over (judged from 20 executions).',
          unit: 'short',
          queries: [
            {
              expr: `max by (${WORKFLOW}) (${inStage(`${stored('vigie_n8n_executions_finished')}{${selected}}`)})`,
              legend: `{{${WORKFLOW}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Execution time per workflow (p50, p95, last hour)',
          description:
            'Run time of finished executions (stoppedAt − startedAt), from the n8n-failure-rate collector, which times each execution once.',
          unit: 's',
          queries: [0.5, 0.95].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (${WORKFLOW}, le) (${inStage(`increase(${DURATION}_bucket{${selected}}[1h])`)}))`,
            legend: `p${q * 100} {{${WORKFLOW}}}`,
          })),
        }),
      },
      {
        panel: timeSeries({
          title: 'Error Trigger reports per hour',
          description: "n8n's error workflow reports received by POST /hooks/n8n/error.",
          unit: 'short',
          queries: [
            {
              expr: `sum by (${ERR_WORKFLOW}) (${inStage(`increase(${stored('vigie.n8n.workflow_errors')}[1h])`)})`,
              legend: `{{${ERR_WORKFLOW}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Enrichment calls per hour by outcome',
          description:
            'Calls to Claude through the enrichment gateway: ok, cached, budget, spend-cap, retry, failed.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (outcome) (${inStage(`increase(${stored('vigie.enrichment.calls')}[1h])`)})`,
              legend: '{{outcome}}',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Claude tokens per hour by kind',
          description: 'Input, output, cache reads and cache writes used by the gateway.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (kind) (${inStage(`increase(${stored('vigie.enrichment.tokens')}[1h])`)})`,
              legend: '{{kind}}',
            },
          ],
        }),
      },
    ],
  });
}
