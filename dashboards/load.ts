import { inStage, label, stored } from '../core/promql.ts';
import { buildDashboard, type DashboardExport, idVariable } from './build.ts';
import { timeSeries } from './panels.ts';

const SCENARIO = label('vigie.load.scenario');
const DURATION = stored('vigie.load.request.duration');
const REQUESTS = stored('vigie.load.requests');

/** What a load run publishes while it runs (catalog entries marked `load-run`). */
export function load(): DashboardExport {
  const selected = `${SCENARIO}=~"$${SCENARIO}"`;
  return buildDashboard({
    uid: 'vigie-load',
    title: 'Vigie — Load runs',
    description: 'Watch a load run live: latency, throughput, errors, virtual users.',
    tags: ['load'],
    variables: [idVariable(SCENARIO, 'Scenario', `${REQUESTS}`)],
    panels: [
      {
        panel: timeSeries({
          title: 'Response time p95 by scenario',
          description: '95th percentile of load-run request durations.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (${SCENARIO}, le) (${inStage(`rate(${DURATION}_bucket{${selected}}[$__rate_interval])`)}))`,
              legend: `{{${SCENARIO}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Requests per second by outcome',
          description: 'ok, or error (HTTP ≥ 500 or network).',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (outcome) (${inStage(`rate(${REQUESTS}{${selected}}[$__rate_interval])`)})`,
              legend: '{{outcome}}',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Error ratio',
          description: 'Errors over all load-run requests.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: `(sum(${inStage(`rate(${REQUESTS}{${selected},outcome="error"}[$__rate_interval])`)}) or sum(${inStage(`rate(${REQUESTS}{${selected}}[$__rate_interval])`)}) * 0) / sum(${inStage(`rate(${REQUESTS}{${selected}}[$__rate_interval])`)})`,
              legend: 'errors',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Virtual users',
          description: 'Virtual users active in the run.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (${SCENARIO}) (${inStage(`${stored('vigie.load.vusers')}{${selected}}`)})`,
              legend: `{{${SCENARIO}}}`,
            },
          ],
        }),
      },
    ],
  });
}
