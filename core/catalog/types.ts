/**
 * Shapes of the catalog: what Vigie collects, on which schedule, which alerts it can raise
 * and which runbook answers each. Plain data, read by infra, dashboards, runbooks, the local
 * scheduler and the CLI.
 */

/** `critical` pages (Slack + email), `warning` tickets (Slack), `info` is recorded, not routed. */
export type Severity = 'critical' | 'warning' | 'info';

/** EventBridge Scheduler syntax, evaluated in `timezone`. */
export type Schedule = `cron(${string})` | `rate(${string})`;

export interface AlertDefinition {
  /** Stable kebab-case id, e.g. `n8n-failure-rate-high`. */
  id: string;
  severity: Severity;
  /** Static one-line summary: no variables, no personal data. */
  summary: string;
  /** Template with `{name}` placeholders filled from the alert's labels (ids and numbers only). */
  description: string;
  /** Slug of the runbook in `runbooks/<slug>.md` that answers this alert. */
  runbook: string;
  /** Template over labels naming what makes two raises "the same" alert, e.g. `{workflowId}`. */
  dedupKey: string;
  /** Where it goes: `slack`, or `slack+email` for pages; `none` records it only. */
  route: 'slack' | 'slack+email' | 'none';
  /**
   * When a later raise of a firing alert is news worth a Slack update. Default `count`: any new
   * occurrence (sent at most once per group interval), for event alerts, whose count is the
   * news. A level alert — raised by every run of its collector while its condition holds — names
   * the label whose worsening past a further step is news, or `none`; otherwise the channel only
   * gets a reminder every `ALERT_REMINDER_HOURS` (`core/alerting/grouping.ts`).
   */
  updates?: AlertUpdates;
}

export type AlertUpdates =
  | 'count'
  | 'none'
  | {
      /** A numeric label of the alert. */
      label: string;
      /** Which way is worse. */
      worse: 'higher' | 'lower';
      /** The steps that make a raise news when the value passes a further one (any order). */
      steps: readonly number[];
    };

export interface CollectorDefinition {
  /** Folder name under `collectors/`. */
  name: string;
  description: string;
  schedule: Schedule;
  timezone: 'Europe/Paris';
  /** Alert ids this collector may raise. */
  alerts: readonly string[];
  /** Metric names this collector emits. */
  metrics: readonly string[];
  /** Default thresholds the collector judges by (settings may override some). */
  thresholds?: Readonly<Record<string, number>>;
}

export interface MetricDefinition {
  /** As emitted over OTLP (dots or underscores). */
  name: string;
  /** `counter` is monotonic (stored with `_total`); `gauge` includes every collector point. */
  kind: 'counter' | 'gauge' | 'histogram';
  /** UCUM, as the instrument declares it: decides the stored name's unit suffix. */
  unit: string;
  description: string;
  /**
   * What makes it appear, when ordinary traffic and collector runs do not: `fault` (only a
   * failure produces it; the dashboard proof drives a stand-in fault) or `load-run`.
   */
  driver?: 'fault' | 'load-run';
  /**
   * Histograms: explicit bucket upper bounds (in `unit`), handed to the instrument as advice,
   * so the buckets Grafana stores are the ones chosen here (one list, for code and docs).
   */
  buckets?: readonly number[];
}
