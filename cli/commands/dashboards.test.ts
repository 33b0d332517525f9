import { describe, expect, it } from 'vitest';
import { dashboards } from '../../dashboards/index.ts';
import { dashboardRows } from './dashboards.ts';

describe('vigie dashboards list', () => {
  it('lists every panel query of every dashboard', () => {
    const rows = dashboardRows({ stage: 'local' });
    const targets = dashboards.flatMap((d) =>
      (d.model.panels ?? []).flatMap((p) =>
        ((p as { targets?: unknown[] }).targets ?? []).map(() => d.uid),
      ),
    );
    expect(rows.map((r) => r.uid)).toEqual(targets);
    expect(rows.every((r) => r.link === undefined)).toBe(true);
  });

  it("links a local Prometheus's graph page with the variables expanded for the stage", () => {
    const rows = dashboardRows({ prometheusUrl: 'http://127.0.0.1:9090', stage: 'staging' });
    const first = new URL(rows[0]!.link!);
    expect(first.origin + first.pathname).toBe('http://127.0.0.1:9090/graph');
    const expr = first.searchParams.get('g0.expr') ?? '';
    expect(expr).toContain('deployment_environment_name=~"staging"');
    expect(expr).not.toContain('$');
  });

  it('gives no links for a remote Prometheus API (Grafana Cloud has no graph page)', () => {
    const rows = dashboardRows({
      prometheusUrl: 'https://prometheus-prod-01.grafana.net/api/prom',
      stage: 'prod',
    });
    expect(rows.every((r) => r.link === undefined)).toBe(true);
  });
});
