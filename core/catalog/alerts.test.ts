import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALERT_REMINDER_HOURS } from '../alerting/grouping.ts';
import { alerts } from './alerts.ts';
import { collectors, collectorSchedules } from './collectors.ts';
import type { AlertDefinition } from './types.ts';

const runbookDir = fileURLToPath(new URL('../../runbooks/', import.meta.url));
const runbooks = readdirSync(runbookDir)
  .filter((f) => f.endsWith('.md') && f !== 'README.md' && f !== 'readiness.md')
  .map((f) => f.slice(0, -3));
const routeFor = { critical: 'slack+email', warning: 'slack', info: 'none' } as const;

describe('alert catalog', () => {
  it('has unique kebab-case ids', () => {
    const ids = alerts.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('routes by severity: critical pages by Slack and email, warning Slack, info nowhere', () => {
    // Except a warning that Slack itself may be failing: it must also reach the second route.
    const aboutSlackPath = ['alert-probe-failed'];
    for (const a of alerts) {
      const expected = aboutSlackPath.includes(a.id) ? 'slack+email' : routeFor[a.severity];
      expect(a.route, a.id).toBe(expected);
    }
  });

  it('keeps summaries static (no placeholders)', () => {
    for (const a of alerts) expect(a.summary, a.id).not.toMatch(/[{}]/);
  });

  it("an update rule on a label names one of the description's numbers, with steps", () => {
    for (const a of alerts as readonly AlertDefinition[]) {
      const u = a.updates;
      if (u === undefined || typeof u === 'string') continue;
      expect(a.description, a.id).toContain(`{${u.label}}`);
      expect(u.steps.length, a.id).toBeGreaterThan(0);
      for (const step of u.steps) expect(Number.isFinite(step), a.id).toBe(true);
    }
    // The level alert that posted 12 updates an hour has one.
    expect(alerts.find((a) => a.id === 'db-cache-hit-low')).toHaveProperty(
      'updates.label',
      'percent',
    );
  });

  it('every alert names an existing runbook', () => {
    for (const a of alerts) expect(runbooks, a.id).toContain(a.runbook);
  });

  it('every runbook answers at least one alert and has the four sections', () => {
    // Drill write-ups and other non-alert docs live in runbooks/drills/, not at the top level.
    for (const slug of runbooks) {
      expect(
        alerts.some((a) => a.runbook === slug),
        `${slug}.md answers no alert`,
      ).toBe(true);
      const text = readFileSync(`${runbookDir}${slug}.md`, 'utf8');
      const sections = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]?.trim());
      expect(sections, slug).toEqual(
        expect.arrayContaining(['Problem', 'Diagnosis', 'Resolution', 'Prevention']),
      );
    }
  });

  it('every alert a collector declares exists in the catalog', () => {
    const ids = new Set<string>(alerts.map((a) => a.id));
    for (const c of collectors)
      for (const id of c.alerts) expect(ids, `${c.name}: ${id}`).toContain(id);
  });
});

describe('re-raised alerts', () => {
  // A collector that runs more often than the reminder re-raises a condition that holds: each
  // of its alerts says which re-raises are news (`updates`), or Slack gets one per run.
  it('every alert of a collector running more often than the 4-hour reminder declares its updates', () => {
    const from = new Date('2026-11-30T12:00:00Z');
    const undeclared = collectors
      .filter((c) => {
        const schedule = collectorSchedules[c.name];
        const next = schedule.nextAfter(from);
        const gapMs = schedule.nextAfter(next).getTime() - next.getTime();
        return gapMs < ALERT_REMINDER_HOURS * 3_600_000;
      })
      .flatMap((c) =>
        c.alerts.filter(
          (id) =>
            (alerts as readonly AlertDefinition[]).find((a) => a.id === id)?.updates === undefined,
        ),
      )
      .filter((id, i, all) => all.indexOf(id) === i);
    expect(undeclared).toEqual([]);
  });
});
