/**
 * Small wrappers over the Grafana Foundation SDK's typed panel builders, so each dashboard file
 * reads as a list of panels: title, unit, queries and (where an alert watches the same figure)
 * the alert's threshold from core/.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export interface Query {
  expr: string;
  /** Grafana legend template, e.g. `{{http_route}}`. */
  legend?: string;
  /** Threshold lines for this query's series only (an override), when the panel mixes figures. */
  thresholds?: Step[];
}

/** A threshold step: from `value` up, `color`. The base step (green) is added. */
export interface Step {
  value: number;
  color: 'yellow' | 'orange' | 'red' | 'green';
}

export interface PanelOptions {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  thresholds?: Step[];
  /** Colour below the first step (green unless low values are the bad ones). */
  base?: 'green' | 'red';
  min?: number;
  max?: number;
}

/** Every panel queries the dashboard's Prometheus data source variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const refId = (i: number): string => String.fromCharCode(65 + i);

function targets(queries: Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) =>
    new prometheus.DataqueryBuilder()
      .expr(q.expr)
      .refId(refId(i))
      .legendFormat(q.legend ?? '__auto')
      .range(),
  );
}

function thresholds(steps: Step[] = [], base = 'green'): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([
      { value: null as unknown as number, color: base },
      ...steps.map((s) => ({ value: s.value, color: s.color })),
    ]);
}

export function timeSeries(options: PanelOptions): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .thresholds(thresholds(options.thresholds, options.base))
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(
        options.thresholds?.length
          ? common.GraphThresholdsStyleMode.Dashed
          : common.GraphThresholdsStyleMode.Off,
      ),
    );
  for (const t of targets(options.queries)) panel.withTarget(t);
  options.queries.forEach((q, i) => {
    if (!q.thresholds) return;
    panel.overrideByQuery(refId(i), [
      { id: 'thresholds', value: thresholds(q.thresholds).build() },
      { id: 'custom.thresholdsStyle', value: { mode: common.GraphThresholdsStyleMode.Dashed } },
    ]);
  });
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

export function statPanel(
  options: PanelOptions & { mappings?: dashboard.ValueMapping[] },
): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .thresholds(thresholds(options.thresholds, options.base))
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  for (const t of targets(options.queries)) panel.withTarget(t);
  if (options.mappings) panel.mappings(options.mappings);
  return panel;
}

/** Green / amber / red for a 0, 1, 2 level (the deliverability score). */
export const LEVEL_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: {
      '0': { text: 'Green', color: 'green', index: 0 },
      '1': { text: 'Amber', color: 'orange', index: 1 },
      '2': { text: 'Red', color: 'red', index: 2 },
    },
  },
];

/** Up / down / not checked for a Better Stack monitor (1, 0, -1; core/uptime.ts). */
export const MONITOR_STATUS_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: {
      '1': { text: 'Up', color: 'green', index: 0 },
      '0': { text: 'Down', color: 'red', index: 1 },
      '-1': { text: 'Not checked', color: 'orange', index: 2 },
    },
  },
];

/** Pass / fail / unknown for SPF, DKIM, DMARC (1, 0, -1). */
export const AUTH_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: {
      '1': { text: 'pass', color: 'green', index: 0 },
      '0': { text: 'fail', color: 'red', index: 1 },
      '-1': { text: 'unknown', color: 'orange', index: 2 },
    },
  },
];
