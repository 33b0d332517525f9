import type { ScenarioResult } from './target.ts';

/**
 * The figures a load run publishes as OTel gauges (names in `core/catalog/metrics.ts`, so the
 * dashboards can chart them), labelled by scenario (and step for the stair-step).
 */
export interface MetricPoint {
  name: string;
  value: number;
  labels: Record<string, string>;
}

export function loadMetricPoints(r: ScenarioResult): MetricPoint[] {
  const points: MetricPoint[] = [];
  const add = (name: string, value: unknown, labels: Record<string, string> = {}) => {
    if (typeof value === 'number' && Number.isFinite(value))
      points.push({ name, value, labels: { scenario: r.scenario, mode: r.mode, ...labels } });
  };
  const f = r.figures;
  add('vigie_load_gates_failed', r.gates.filter((g) => !g.pass).length);
  switch (r.scenario) {
    case 'scrape':
      add('vigie_load_latency_p95_ms', f.executionP95Ms, { measure: 'n8n_execution' });
      add('vigie_load_latency_p95_ms', f.queueWaitP95Ms, { measure: 'n8n_queue_wait' });
      add('vigie_load_completion_seconds', f.allDoneSeconds);
      break;
    case 'email-queue':
      for (const mode of ['single', 'pipelined']) {
        add('vigie_load_latency_p95_ms', f[`${mode}.p95Ms`], { measure: `queue_${mode}` });
        add('vigie_load_throughput_per_second', f[`${mode}.operationsPerSecond`], {
          measure: `queue_${mode}`,
        });
      }
      break;
    case 'enrichment':
      add('vigie_load_latency_p95_ms', f.latencyP95Ms, { measure: 'enrichment' });
      add('vigie_load_completion_seconds', f.finishSeconds);
      add('vigie_load_failures', f.rateLimitedAttempts, { measure: 'claude_429' });
      break;
    case 'api':
      add('vigie_load_latency_p95_ms', f.p95WithFailuresMs, { measure: 'api' });
      add('vigie_load_throughput_per_second', f.throughputPerSecond, { measure: 'api' });
      add('vigie_load_failures', f.failures, { measure: 'api' });
      add('vigie_load_knee_users', f.kneeUsers);
      for (const s of r.steps ?? []) {
        const step = { step: String(s.users) };
        add('vigie_load_latency_p95_ms', s.p95WithFailuresMs, { measure: 'api_stair', ...step });
        add('vigie_load_throughput_per_second', s.throughputPerSecond, {
          measure: 'api_stair',
          ...step,
        });
      }
      break;
  }
  return points;
}
