import type { Command } from 'commander';
import { parseConfig } from '../../core/config.ts';
import { dashboards } from '../../dashboards/index.ts';
import { expand, graphUrl, panelQueries } from '../../dashboards/queries.ts';

export interface DashboardRow {
  dashboard: string;
  uid: string;
  panel: string;
  refId: string;
  query: string;
  /** The query on Prometheus's own graph page (local staging), variables expanded for `stage`. */
  link?: string;
}

/**
 * One row per panel query. Links are given only for a Prometheus on this machine (local
 * staging): Grafana Cloud's endpoint is an API without a graph page.
 */
export function dashboardRows(options: {
  prometheusUrl?: string | undefined;
  stage: string;
}): DashboardRow[] {
  const local = options.prometheusUrl !== undefined && isLoopback(options.prometheusUrl);
  return panelQueries(dashboards).map((q) => ({
    dashboard: q.dashboard,
    uid: q.dashboardUid,
    panel: q.panel,
    refId: q.refId,
    query: q.expr,
    ...(local
      ? {
          link: graphUrl(options.prometheusUrl as string, expand(q.expr, { stage: options.stage })),
        }
      : {}),
  }));
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** `vigie dashboards list [--json] [--stage s]`: every dashboard, panel and query. */
export function register(program: Command): void {
  const group = program
    .command('dashboards')
    .description('Grafana dashboards defined in dashboards/');
  group
    .command('list')
    .description(
      'Every dashboard and panel with its PromQL query; on local staging (PROMETHEUS_QUERY_URL on this machine) a link to it on Prometheus’s graph page',
    )
    .option('--json', 'print as JSON')
    .option('--stage <stage>', 'stage the links select (default: VIGIE_STAGE)')
    .action((options: { json?: boolean; stage?: string }) => {
      const config = parseConfig(process.env);
      const rows = dashboardRows({
        prometheusUrl: config.PROMETHEUS_QUERY_URL,
        stage: options.stage ?? config.VIGIE_STAGE,
      });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (options.json) {
        out(JSON.stringify(rows, null, 2));
        return;
      }
      let current = '';
      for (const r of rows) {
        if (r.dashboard !== current) {
          current = r.dashboard;
          out(`\n${r.dashboard}  (uid ${r.uid})`);
        }
        out(`  ${r.panel} [${r.refId}]`);
        out(`    ${r.query}`);
        if (r.link) out(`    ${r.link}`);
      }
      out(
        `\n${new Set(rows.map((r) => r.uid)).size} dashboards, ${rows.length} queries` +
          (rows.some((r) => r.link)
            ? ''
            : ' (links: run local staging and source its env file, see `npm start`)'),
      );
    });
}
