import { describe, expect, it } from 'vitest';
import type { DrillJournal } from '../drills/types.ts';
import {
  barChart,
  projectSupport,
  type ReadinessInput,
  renderHtml,
  renderMarkdown,
} from './report.ts';

const journal = (drill: string, detect: number, recover: number): DrillJournal => ({
  drill,
  runbook: drill,
  alert: `${drill}-alert`,
  fault: `fault <b>${drill}</b> | piped`,
  deployedStaging: true,
  start: '2026-11-30T10:00:00Z',
  end: '2026-11-30T10:01:00Z',
  status: 'passed',
  timeToDetectMs: detect,
  timeToRecoverMs: recover,
  stagingTimeToDetectMs: detect * 600,
  stagingTimeToRecoverMs: recover * 600,
  slackLinksRunbook: true,
  commands: [],
  steps: [],
});

const input = (overrides: Partial<ReadinessInput> = {}): ReadinessInput => ({
  date: '2026-11-30',
  command: 'npx vigie gameday',
  seededCustomers: 50,
  journals: [journal('a', 4_000, 2_000), journal('b', 6_000, 4_000)],
  coverage: [{ alert: 'x', severity: 'warning', runbook: 'a', drilled: true }],
  smoke: [
    { name: 'GET /healthz', requests: 10, errors: 0, p50Ms: 3, p95Ms: 9, thresholdP95Ms: 500 },
  ],
  privacy: { ok: true, detail: 'erased' },
  rates: [
    { family: 'deliverability', incidents: 90, days: 90, perCustomer: true },
    { family: 'platform', incidents: 13, days: 91, perCustomer: false },
  ],
  handlingMinutes: 15,
  goalHoursPerWeek: 5,
  notes: [],
  ...overrides,
});

describe('readiness report', () => {
  it('projects weekly hours: per-customer rates scale, fixed ones do not', () => {
    // 7/week per 50 customers + 1/week fixed; 15 min + 3 s each.
    expect(projectSupport(input().rates, 50, 50, 15, 3_000)).toEqual({
      customers: 50,
      incidentsPerWeek: 8,
      hoursPerWeek: 2.01,
    });
    expect(projectSupport(input().rates, 50, 100, 15, 3_000)).toEqual({
      customers: 100,
      incidentsPerWeek: 15,
      hoursPerWeek: 3.76,
    });
  });

  it('says READY only when drills, privacy, p95 and the hours goal all pass', () => {
    expect(renderMarkdown(input())).toContain('**READY**');
    expect(renderMarkdown(input({ privacy: { ok: false, detail: 'row left' } }))).toContain(
      '**NOT READY**',
    );
    const heavy = input({ rates: [{ family: 'd', incidents: 900, days: 90, perCustomer: true }] });
    expect(renderMarkdown(heavy)).toMatch(/\| 100 \| 140 \| 35\.12 \| OVER 5 h \|/);
  });

  it('escapes what it prints in HTML and draws one bar per drill', () => {
    const html = renderHtml(input());
    expect(html).not.toContain('<b>a</b>');
    expect(html).toContain('&#60;b&#62;a&#60;/b&#62;');
    expect(
      html.match(/<figure id="chart-detect">[\s\S]*?<\/figure>/)?.[0].match(/<rect /g),
    ).toHaveLength(2);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('marks a bar over its limit', () => {
    const svg = barChart('c', 'p95', [{ label: 'slow', value: 900, limit: 500 }]);
    expect(svg).toContain('fill="#cf222e"');
    expect(svg).toContain('stroke-dasharray');
  });
});
