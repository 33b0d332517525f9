/**
 * The queries of the dashboards as a flat list, and what the proofs need from each: its
 * template variables expanded for a concrete stage, parse errors from the Prometheus project's
 * own PromQL parser (`@prometheus-io/lezer-promql`), and the metric names it selects.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { DashboardExport } from './build.ts';

export interface PanelQuery {
  dashboardUid: string;
  dashboard: string;
  panel: string;
  refId: string;
  /** As stored in the dashboard, with `$stage`, `$__rate_interval` and id variables. */
  expr: string;
}

interface PanelJson {
  title?: string;
  targets?: Array<{ refId?: string; expr?: string }>;
}

export function panelQueries(list: readonly DashboardExport[]): PanelQuery[] {
  return list.flatMap((d) =>
    ((d.model.panels ?? []) as PanelJson[]).flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t) => typeof t.expr === 'string')
        .map((t) => ({
          dashboardUid: d.uid,
          dashboard: d.title,
          panel: panel.title ?? '',
          refId: t.refId ?? '',
          expr: t.expr as string,
        })),
    ),
  );
}

/**
 * Replaces Grafana's variables as the dashboard would for one stage: `$stage`, the rate window
 * (`$__rate_interval`; Grafana makes it at least four scrape intervals) and every other
 * variable with `.*` (an id variable's "All"). Throws on a variable it cannot expand.
 */
export function expand(expr: string, options: { stage: string; rateInterval?: string }): string {
  return expr
    .replaceAll('$__rate_interval', options.rateInterval ?? '1m')
    .replaceAll('$stage', options.stage)
    .replace(/\$(\w+)/g, (_, name: string) => {
      if (name.startsWith('__')) throw new Error(`cannot expand Grafana variable $${name}`);
      return '.*';
    });
}

/** Where the parser could not make sense of the query (empty when it parses). */
export function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) {
        errors.push(
          `at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`,
        );
      }
    },
  });
  return errors;
}

/** The metric names the query selects (`name{…}` and `name[…]`), without duplicates. */
export function selectedMetrics(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.name === 'Identifier' && node.node.parent?.type.name === 'VectorSelector') {
        names.add(expr.slice(node.from, node.to));
      }
    },
  });
  return [...names];
}

/** Prometheus's own graph page with the query filled in (range: the last hour). */
export function graphUrl(prometheusUrl: string, expr: string): string {
  const params = new URLSearchParams({
    'g0.expr': expr,
    'g0.tab': '0',
    'g0.range_input': '1h',
  });
  return `${prometheusUrl.replace(/\/+$/, '')}/graph?${params.toString()}`;
}
