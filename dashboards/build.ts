/**
 * One dashboard from a list of panels: the shared variables (Prometheus data source, stage),
 * any extra ones, a two-column grid, and the export shape `dashboards/index.ts` lists.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

export interface DashboardExport {
  uid: string;
  title: string;
  /** Grafana folder title the infrastructure program files it under. */
  folder: string;
  /** The dashboard JSON model (Grafana's schema), as the SDK builds it. */
  model: dashboard.Dashboard;
}

export const FOLDER = 'Vigie';
export const STAGES = ['prod', 'staging', 'local'] as const;

/** A panel and how many of the 24 grid columns it takes (12 by default). */
export interface Placed {
  panel: cog.Builder<dashboard.Panel>;
  width?: 6 | 8 | 12 | 24;
  height?: number;
}

export function buildDashboard(options: {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  panels: Placed[];
  variables?: cog.Builder<dashboard.VariableModel>[];
}): DashboardExport {
  const builder = new dashboard.DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(['vigie', ...options.tags])
    .editable()
    .timezone('browser')
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'),
    )
    .withVariable(
      new dashboard.CustomVariableBuilder('stage')
        .label('Stage')
        .values(STAGES.join(','))
        .current({ text: STAGES[0], value: STAGES[0] }),
    );
  for (const variable of options.variables ?? []) builder.withVariable(variable);
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const placed of options.panels) {
    const w = placed.width ?? 12;
    const h = placed.height ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    placed.panel.build(); // fails early on a bad builder
    builder.withPanel(withGrid(placed.panel, { x, y, w, h }));
    x += w;
    rowHeight = Math.max(rowHeight, h);
  }
  return { uid: options.uid, title: options.title, folder: FOLDER, model: builder.build() };
}

function withGrid(
  panel: cog.Builder<dashboard.Panel>,
  gridPos: dashboard.GridPos,
): cog.Builder<dashboard.Panel> {
  return { build: () => ({ ...panel.build(), gridPos }) };
}

/** A multi-value variable over a label's values (ids only), "All" matching everything. */
export function idVariable(
  name: string,
  label: string,
  metric: string,
): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource({ type: 'prometheus', uid: '${datasource}' })
    .query(`label_values(${metric}, ${name})`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .includeAll(true)
    .allValue('.*')
    .multi(true);
}
