import { inStage, label, stored } from '../core/promql.ts';
import { buildDashboard, type DashboardExport } from './build.ts';
import { timeSeries } from './panels.ts';

const HTTP = stored('http.server.request.duration');
const ROUTE = label('http.route');
const METHOD = label('http.request.method');
const STATUS = label('http.response.status_code');
const ERASE = `${ROUTE}="/prospects/:id",${METHOD}="DELETE"`;
const EXPORT = `${ROUTE}="/users/me/data",${METHOD}="GET"`;

export function privacy(): DashboardExport {
  return buildDashboard({
    uid: 'vigie-privacy',
    title: 'Vigie — Privacy',
    description: 'Erasures (Art. 17) against the Art. 12 deadline, exports (Art. 15), retention.',
    tags: ['privacy', 'gdpr'],
    panels: [
      {
        panel: timeSeries({
          title: 'Erasures requested per hour by answer',
          description:
            'DELETE /prospects/{id}: 200 erased and verified, 202 accepted (a store was down).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (${STATUS}) (${inStage(`increase(${HTTP}_count{${ERASE}}[1h])`)})`,
              legend: `{{${STATUS}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Erasures open, completed and overdue',
          description:
            'After each erasure-retry run: not completed, completed by that run, and past the Art. 12 due date (any is a breach: the line is 1).',
          unit: 'short',
          queries: [
            { expr: `sum(${inStage(stored('vigie_erasure_open'))})`, legend: 'open' },
            {
              expr: `sum(${inStage(stored('vigie_erasure_completed'))})`,
              legend: 'completed by the last run',
            },
            {
              expr: `sum(${inStage(stored('vigie_erasure_overdue'))})`,
              legend: 'overdue (Art. 12)',
              thresholds: [{ value: 1, color: 'red' }],
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Erasure verification failures per day',
          description: 'Verification found the person still in a store after the erasure.',
          unit: 'short',
          thresholds: [{ value: 1, color: 'red' }],
          queries: [
            {
              expr: `sum(${inStage(`increase(${stored('vigie.alerts.raised')}{${label('vigie.alert_id')}="erasure-verification-failed"}[1d])`)})`,
              legend: 'verification failed',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Exports served per hour',
          description: 'GET /users/me/data (Art. 15) by status.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (${STATUS}) (${inStage(`increase(${HTTP}_count{${EXPORT}}[1h])`)})`,
              legend: `{{${STATUS}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Export duration (p95)',
          description: 'How long a streamed export takes, 95th percentile.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (le) (${inStage(`rate(${HTTP}_bucket{${EXPORT}}[$__rate_interval])`)}))`,
              legend: 'p95',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Retention purge (last run)',
          description:
            'Prospects past the retention period erased, and those the run failed to erase.',
          unit: 'short',
          queries: [
            { expr: `sum(${inStage(stored('vigie_retention_purge_erased'))})`, legend: 'erased' },
            {
              expr: `sum(${inStage(stored('vigie_retention_purge_failed'))})`,
              legend: 'failed',
              thresholds: [{ value: 1, color: 'red' }],
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Audit trail (last anchoring run)',
          description:
            'Audit log rows whose hash links were recomputed, and breaks found against the chain or the latest signed checkpoint (any break pages: audit-chain-broken).',
          unit: 'short',
          thresholds: [{ value: 1, color: 'red' }],
          queries: [
            {
              expr: `sum(${inStage(stored('vigie_audit_rows_verified'))})`,
              legend: 'rows verified',
            },
            { expr: `sum(${inStage(stored('vigie_audit_chain_breaks'))})`, legend: 'breaks' },
          ],
        }),
      },
    ],
  });
}
