import { describe, expect, it } from 'vitest';
import { metrics, storedSeries } from '../core/catalog/metrics.ts';
import { FAILURE_RATE_THRESHOLD } from '../core/n8n-failure-rate.ts';
import { statusPage, statusPageCandidates } from './status-page.ts';
import { buildDashboards, dashboards } from './index.ts';
import { expand, panelQueries, parseErrors, selectedMetrics } from './queries.ts';

const queries = panelQueries(dashboards);
const expanded = queries.map((q) => ({ ...q, promql: expand(q.expr, { stage: 'staging' }) }));

describe('dashboards', () => {
  it('are the six the product needs, with unique uids, a folder and a stage variable', () => {
    expect(dashboards.map((d) => d.uid)).toEqual([
      'vigie-overview',
      'vigie-privacy',
      'vigie-n8n',
      'vigie-cost',
      'vigie-deliverability',
      'vigie-load',
    ]);
    for (const d of dashboards) {
      expect(d.model.uid).toBe(d.uid);
      expect(d.model.title).toBe(d.title);
      expect(d.folder).toBe('Vigie');
      const names = (d.model.templating?.list ?? []).map((v) => v.name);
      expect(names).toContain('stage');
      expect(names).toContain('datasource');
    }
  });

  it('template variables are ids or the stage, never names or emails', () => {
    for (const d of dashboards) {
      for (const v of d.model.templating?.list ?? []) {
        expect(v.name).toMatch(/^(datasource|stage|[a-z_]*_id|vigie_load_scenario)$/);
        expect(JSON.stringify(v)).not.toMatch(/email|name=|_name\b/i);
      }
    }
  });

  it('every query parses with the Prometheus PromQL parser', () => {
    expect(expanded.length).toBeGreaterThan(25);
    for (const q of expanded) {
      expect({ panel: q.panel, errors: parseErrors(q.promql) }).toEqual({
        panel: q.panel,
        errors: [],
      });
    }
  });

  it('the parse check catches a broken query', () => {
    expect(parseErrors('sum(rate(x[5m])')).not.toEqual([]);
    expect(parseErrors('rate(x[$__rate_interval])')).not.toEqual([]);
  });

  it('every selected metric is a stored name from the catalog, and every catalog metric is on a panel', () => {
    const catalogSeries = new Set(metrics.flatMap((m) => storedSeries(m)));
    const selected = new Set(expanded.flatMap((q) => selectedMetrics(q.promql)));
    for (const name of selected) {
      if (name === 'target_info') continue;
      expect(catalogSeries, `${name} is not a stored catalog series`).toContain(name);
    }
    for (const m of metrics) {
      const onPanel = storedSeries(m).some((s) => selected.has(s));
      expect(onPanel, `${m.name} is on no panel`).toBe(true);
    }
  });

  it('draws the alert thresholds from the same constants and config as the alerts', () => {
    const n8n = dashboards.find((d) => d.uid === 'vigie-n8n');
    const panel = (n8n?.model.panels ?? [])[0] as {
      fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } };
    };
    expect(panel.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([
      null,
      FAILURE_RATE_THRESHOLD,
    ]);
    const budgets = {
      BUDGET_ANTHROPIC_USD: 500,
      BUDGET_UPSTASH_USD: 10,
      BUDGET_PHANTOMBUSTER_USD: 69,
      BUDGET_SUPABASE_USD: 25,
    };
    const cost = buildDashboards(budgets).find((d) => d.uid === 'vigie-cost');
    const anthropic = (cost?.model.panels ?? [])[0] as {
      title: string;
      fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } };
    };
    expect(anthropic.title).toContain('$500');
    expect(anthropic.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([
      null,
      400,
      500,
    ]);
  });

  it('puts a threshold on the one series it concerns when a panel mixes figures', () => {
    const privacy = dashboards.find((d) => d.uid === 'vigie-privacy');
    const panel = (privacy?.model.panels ?? []).find(
      (p) => (p as { title?: string }).title === 'Erasures open, completed and overdue',
    ) as unknown as {
      targets: { refId: string; expr: string }[];
      fieldConfig: {
        defaults: { thresholds: { steps: unknown[] } };
        overrides: {
          matcher: { id: string; options: string };
          properties: { id: string; value: { steps?: { value: number | null }[] } }[];
        }[];
      };
    };
    // No panel-wide line: open erasures are normal, overdue ones are a breach.
    expect(panel.fieldConfig.defaults.thresholds.steps).toHaveLength(1);
    const overdue = panel.targets.find((t) => t.expr.includes('vigie_erasure_overdue'));
    const override = panel.fieldConfig.overrides.find((o) => o.matcher.options === overdue?.refId);
    expect(override?.matcher.id).toBe('byFrameRefID');
    const steps = override?.properties.find((p) => p.id === 'thresholds')?.value.steps;
    expect(steps?.map((s) => s.value)).toEqual([null, 1]);
  });

  it('lays panels on the 24-column grid without overlap', () => {
    for (const d of dashboards) {
      const boxes = (d.model.panels ?? []).map(
        (p) => (p as { gridPos: { x: number; y: number; w: number; h: number } }).gridPos,
      );
      for (const [i, a] of boxes.entries()) {
        expect(a.x + a.w).toBeLessThanOrEqual(24);
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap).toBe(false);
        }
      }
    }
  });
});

describe('Better Stack status page', () => {
  it('lists every catalog monitor and heartbeat once, with public names free of ids and hosts', () => {
    const listed = statusPage.groups.flatMap((g) => g.resources);
    expect(listed.map((r) => r.id).sort()).toEqual([...statusPageCandidates].sort());
    for (const r of listed) {
      expect(r.publicName).not.toMatch(/[-_]|https?:|\.(com|net|io)\b/);
    }
  });
});
