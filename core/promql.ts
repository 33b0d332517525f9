/**
 * PromQL pieces shared by the dashboards and the weekly summary: every metric is named through
 * the catalog (`stored`), so a query can only name a metric Vigie emits, under the name Grafana
 * Cloud stores it with (docs/otlp-prometheus-names.md).
 */
import { type MetricName, metrics, storedName } from './catalog/metrics.ts';
import { storedLabelName } from './prometheus-names.ts';

/** The stored name of a catalog metric (histograms: the base, add `_bucket`/`_sum`/`_count`). */
export function stored(name: MetricName): string {
  const metric = metrics.find((m) => m.name === name);
  if (!metric) throw new Error(`metric ${name} is not in the catalog`);
  return storedName(metric);
}

/** The stored label of an attribute key (`http.route` → `http_route`). */
export const label = storedLabelName;

/** Resource attribute holding the stage (`VIGIE_STAGE`): a label of `target_info` only. */
export const STAGE_LABEL = storedLabelName('deployment.environment.name');

/** A label matcher value: escapes what PromQL strings need escaped. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * Keeps the series of one stage (a regex, `$stage` in dashboards): resource attributes live on
 * `target_info`, joined on `job` and `instance` as the OpenTelemetry → Prometheus compatibility
 * specification prescribes. `vector` must be an instant-vector expression (e.g. `rate(...)`).
 * `lookback` (a range like `1d`) finds `target_info` anywhere in that window rather than in the
 * last five minutes: needed when evaluating at the end of a past day.
 */
export function inStage(vector: string, stage = '$stage', lookback?: string): string {
  const info = `target_info{${STAGE_LABEL}=~${quote(stage)}}`;
  const target = lookback ? `last_over_time(${info}[${lookback}])` : info;
  return `${vector} * on (job, instance) group_left () group by (job, instance) (${target})`;
}

const HTTP_COUNT = `${stored('http.server.request.duration')}_count`;
const STATUS = label('http.response.status_code');

/**
 * API requests and API errors (responses with status ≥ 500: the server failed; a 4xx is the
 * caller's mistake) over `window`, summed `by` the given labels. One definition for the
 * Overview's error-rate panel and the weekly summary's error rate.
 */
export function apiRequests(window: string, stage = '$stage', by: string[] = []): string {
  return `sum${byClause(by)} (${inStage(`increase(${HTTP_COUNT}[${window}])`, stage, lookbackOf(window))})`;
}

export function apiErrors(window: string, stage = '$stage', by: string[] = []): string {
  return `sum${byClause(by)} (${inStage(`increase(${HTTP_COUNT}{${STATUS}=~"5.."}[${window}])`, stage, lookbackOf(window))})`;
}

/** Errors over requests; 0 (not "no data") when there were requests and no error. */
export function apiErrorRatio(window: string, stage = '$stage', by: string[] = []): string {
  const requests = apiRequests(window, stage, by);
  return `(${apiErrors(window, stage, by)} or ${requests} * 0) / ${requests}`;
}

/** Dashboards' short rate windows join on the current `target_info`; day windows look back. */
function lookbackOf(window: string): string | undefined {
  return window.startsWith('$') ? undefined : window;
}

function byClause(by: string[]): string {
  return by.length > 0 ? ` by (${by.join(', ')})` : '';
}
