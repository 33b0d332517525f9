import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStack } from '../../sandbox/stack.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { httpSmoke, privacyCheck, replayAlertRates } from '../gameday/checks.ts';
import { renderHtml } from '../gameday/report.ts';
import { checkHtml } from '../gameday/run.ts';
import { loadRunbooks } from '../library.ts';
import { drills } from './index.ts';
import { runVigie } from './runner.ts';
import { DRILL_ENV, drillEnv, readEnvFile, runDrills, startStack, stopStaging } from './suite.ts';
import type { DrillEnv, DrillJournal } from './types.ts';

// A real local staging (its own database, Redis db 8, every stand-in, the scheduler at 600×),
// every drill run end to end: the fault through the staging's switch, the alert at the Slack
// stand-in, the page's own resolution commands in child processes, steady state again.
let db: TestDatabase;
let stateDir: string;
let stack: RunningStack;
let env: DrillEnv;
let journals: DrillJournal[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-drills-'));
  stack = await startStack({
    env: { ...DRILL_ENV, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(8) },
    stateDir,
    seedSize: { customers: 4, prospectsPerCustomer: 20 },
  });
  env = await drillEnv(stack);
  journals = await runDrills(env, { detectTimeoutMs: 60_000, recoverTimeoutMs: 60_000 });
}, 600_000); // eleven drills in a row; a loaded CI machine took ~290 s for ten

afterAll(async () => {
  if (stack) await stopStaging(stack);
  await db?.drop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}, 180_000);

describe('drills', () => {
  it('covers every drill the runbooks name', () => {
    const named = loadRunbooks()
      .map((p) => p.drill)
      .filter((d) => d !== 'none');
    expect(Object.keys(drills).sort()).toEqual(named.sort());
    expect(journals.map((j) => j.drill).sort()).toEqual(named.sort());
  });

  it.each(Object.keys(drills))('%s: detects, resolves with the page, recovers', (id) => {
    const j = journals.find((x) => x.drill === id)!;
    expect(j.error, JSON.stringify(j.steps.filter((s) => s.status === 'failed'))).toBeUndefined();
    expect(j.status).toBe('passed');
    expect(j.timeToDetectMs).toBeGreaterThan(0);
    expect(j.timeToRecoverMs).toBeGreaterThan(0);
    expect(j.commands.length).toBeGreaterThan(0);
    for (const c of j.commands) expect(c).not.toMatch(/[<>]/);
    expect(j.slackLinksRunbook).toBe(true);
    expect(j.steps.at(-1)).toMatchObject({
      name: 'rollback: clear the fault switch',
      status: 'ok',
    });
  });

  // The sentry-errors drill's burst is one new Sentry issue: the stand-in's issue rule posts it
  // to the signed /hooks/sentry, which raises sentry-new-issue, paged once with its runbook.
  it('sentry-new-issue: every issue the stand-in alerted on is paged once at Slack (then only reminders), linking its runbook', async () => {
    const alerted = stack.sentryRules!.deliveries().filter((d) => d.resource === 'event_alert');
    expect(alerted.length).toBeGreaterThan(0);
    expect(alerted.every((d) => d.status === 200)).toBe(true);
    const { rows } = await stack.pool.query<{
      labels: { issueId: string; projectId: string };
      occurrences: number;
    }>(`select labels, occurrences from alert_outbox where alert_id = 'sentry-new-issue'`);
    expect(rows.map((r) => r.labels.issueId).sort()).toEqual(alerted.map((d) => d.subject).sort());
    for (const r of rows) {
      expect(r.occurrences).toBe(1);
      const text = `New Sentry issue ${r.labels.issueId} in project ${r.labels.projectId}.`;
      // Once as firing; the dispatcher's 4-hourly reminders of a still-open alert say so.
      const pages = env.slack.messages
        .map((m) => JSON.stringify(m.body))
        .filter((body) => body.includes(text) && !body.includes('Reminder: '));
      expect(pages).toHaveLength(1);
      expect(pages[0]).toContain('sentry-errors.md');
    }
  });

  it('the fault switches answer another process (npx vigie sandbox fault)', async () => {
    const commandEnv = await readEnvFile(stack.envFile);
    expect(commandEnv.VIGIE_CONTROL_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await runVigie('npx vigie sandbox fault slack dead', commandEnv);
    expect(stack.faults.active()).toMatchObject([{ standIn: 'slack', mode: 'dead' }]);
    const listed = await runVigie('npx vigie sandbox faults', commandEnv);
    expect(listed).toContain('on: slack dead');
    await expect(runVigie('npx vigie sandbox fault slack melt', commandEnv)).rejects.toThrow(
      /no fault "melt"/,
    );
    await runVigie('npx vigie sandbox fault slack clear', commandEnv);
    expect(stack.faults.active()).toEqual([]);
    // A wrong token is refused.
    await expect(
      runVigie('npx vigie sandbox faults', { ...commandEnv, VIGIE_CONTROL_TOKEN: 'nope' }),
    ).rejects.toThrow(/401/);
  }, 120_000);
});

describe('game day pieces on the same staging', () => {
  it('privacy: an erasure verified end to end', { timeout: 120_000 }, async () => {
    const result = await privacyCheck(stack, await readEnvFile(stack.envFile));
    expect(result.detail).toMatch(/receipt verified/);
    expect(result.ok).toBe(true);
  });

  it('load smoke: p95 measured per check, no errors', { timeout: 120_000 }, async () => {
    const smoke = await httpSmoke(stack, { requests: 40, concurrency: 4 });
    expect(smoke.map((s) => s.name)).toEqual([
      'GET /healthz',
      'GET /readyz',
      'GET /prospects/{id}',
    ]);
    for (const s of smoke) {
      expect(s.requests).toBe(40);
      expect(s.errors).toBe(0);
      expect(s.p95Ms).toBeGreaterThanOrEqual(s.p50Ms);
    }
  });

  it(
    'alert-rate replay counts incidents from the seeded history',
    { timeout: 120_000 },
    async () => {
      const rates = await replayAlertRates(stack, { days: 7 });
      expect(rates.map((r) => r.family)).toHaveLength(3);
      for (const r of rates) {
        expect(r.days).toBe(7);
        expect(Number.isInteger(r.incidents) && r.incidents >= 0).toBe(true);
      }
    },
  );

  it('the report renders its charts in headless Chromium', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigie-report-'));
    try {
      const input = {
        date: '2026-11-30',
        command: 'test',
        seededCustomers: 4,
        journals,
        coverage: [],
        smoke: [],
        privacy: { ok: true, detail: 'test' },
        rates: [],
        handlingMinutes: 15,
        goalHoursPerWeek: 5,
        notes: [],
      };
      const file = path.join(dir, 'readiness.html');
      await writeFile(file, renderHtml(input));
      const check = await checkHtml(file, journals.length);
      expect(check.detail).toContain(`${journals.length} detect bars`);
      expect(check.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
