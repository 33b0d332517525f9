import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { alerts } from '../../core/catalog/alerts.ts';
import { launchChromium } from '../../testkit/chromium.ts';
import {
  drillEnv,
  drillSettings,
  drillTimeoutMs,
  GAMEDAY_SCALE,
  runDrills,
  startStack,
  stopStaging,
} from '../drills/suite.ts';
import type { DrillJournal } from '../drills/types.ts';
import { httpSmoke, privacyCheck, replayAlertRates } from './checks.ts';
import { type ReadinessInput, renderHtml, renderMarkdown } from './report.ts';

export interface GamedayOptions {
  /** A fresh state dir: the embedded Postgres and Redis start empty there. */
  stateDir: string;
  /** Where the journals and the report go. */
  outDir: string;
  env: Record<string, string | undefined>;
  seedSize: { customers: number; prospectsPerCustomer: number };
  command: string;
  out: (line: string) => void;
  only?: readonly string[];
  /** The staging clock's speed (default {@link GAMEDAY_SCALE}). */
  scale?: number;
  /** Minutes of a person per incident (reading the alert and the runbook, diagnosing). */
  handlingMinutes?: number;
}

export interface GamedayResult {
  input: ReadinessInput;
  markdown: string;
  files: { markdown: string; html: string; journals: string[]; log: string };
  htmlCheck: { ok: boolean; detail: string };
}

/**
 * The game day: a fresh local staging, every drill with live progress, the privacy check, a
 * load smoke, the seeded history replayed for alert rates, then the readiness report (Markdown
 * and HTML, the HTML opened in headless Chromium to check it renders its charts).
 */
export async function runGameday(o: GamedayOptions): Promise<GamedayResult> {
  const t0 = Date.now();
  const loadStart = loadavg()[0]!;
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
  const out = (line: string) => o.out(`${at()}  ${line}`);
  const scale = o.scale ?? GAMEDAY_SCALE;
  // Every line of the staging (each collector run with its duration and alerts, each stop
  // step), timed: the evidence for a drill that failed, kept next to the journals.
  await mkdir(o.outDir, { recursive: true });
  const logFile = path.join(o.outDir, 'staging.log');
  await writeFile(logFile, '');
  let logging = Promise.resolve();
  const keep = (line: string) => {
    const text = `${new Date().toISOString()} ${at()}  ${line}\n`;
    logging = logging.then(() => appendFile(logFile, text)).catch(() => {});
  };
  out(
    `starting a fresh local staging (${o.seedSize.customers} customers × ${o.seedSize.prospectsPerCustomer} prospects, clock ×${scale})…`,
  );
  const stack = await startStack({
    env: { ...o.env, ...drillSettings(scale) },
    stateDir: o.stateDir,
    seedSize: o.seedSize,
    log: (line) => {
      keep(line);
      if (!line.startsWith('collector ')) out(`  staging: ${line}`);
    },
  });
  try {
    out(`staging ready: app ${stack.urls.app}, fault switches ${stack.control.url}`);
    const env = await drillEnv(stack);
    const journals: DrillJournal[] = await runDrills(env, {
      ...(o.only ? { only: o.only } : {}),
      detectTimeoutMs: drillTimeoutMs(scale),
      recoverTimeoutMs: drillTimeoutMs(scale),
      onStart: (id) => {
        keep(`drill ${id}: start (load average ${loadavg()[0]!.toFixed(1)})`);
        out(`▶ drill ${id}`);
      },
      onStep: (id, step) => {
        keep(`drill ${id}: ${step.status} ${step.name} (${step.durationMs} ms)`);
        out(`  ${step.status === 'ok' ? '✓' : '✗'} ${id}: ${step.name} (${step.durationMs} ms)`);
      },
      onEnd: (j) =>
        out(
          `${j.status === 'passed' ? '✔' : '✘'} drill ${j.drill} ${j.status}: detect ${fmt(j.timeToDetectMs)}, recover ${fmt(j.timeToRecoverMs)}${j.error ? ` — ${j.error}` : ''}`,
        ),
    });
    await mkdir(path.join(o.outDir, 'journals'), { recursive: true });
    const journalFiles: string[] = [];
    for (const j of journals) {
      const file = path.join(o.outDir, 'journals', `${j.drill}.json`);
      await writeFile(file, `${JSON.stringify(j, null, 2)}\n`);
      journalFiles.push(file);
    }
    out('privacy: erasing a prospect end to end…');
    const privacy = await privacyCheck(stack, env.commandEnv);
    out(`${privacy.ok ? '✔' : '✘'} privacy: ${privacy.detail}`);
    out('load smoke: 200 requests per check at concurrency 10…');
    const smoke = await httpSmoke(stack);
    for (const s of smoke)
      out(
        `  ${s.name}: p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms (threshold ${s.thresholdP95Ms} ms), ${s.errors} errors`,
      );
    out('replaying the seeded 90 days for alert rates…');
    const rates = await replayAlertRates(stack);
    for (const r of rates) out(`  ${r.family}: ${r.incidents} incidents in ${r.days} days`);
    const input: ReadinessInput = {
      date: new Date().toISOString().slice(0, 10),
      command: o.command,
      seededCustomers: o.seedSize.customers,
      journals,
      coverage: alerts.map((a) => ({
        alert: a.id,
        severity: a.severity,
        runbook: a.runbook,
        drilled: journals.some((j) => j.alert === a.id && j.status === 'passed'),
      })),
      smoke,
      privacy,
      rates,
      handlingMinutes: o.handlingMinutes ?? 15,
      goalHoursPerWeek: 5,
      notes: [
        `Detection and recovery are measured on a staging clock running ${scale}× (an hourly collector runs every ${(3_600 / scale).toFixed(1)} real seconds); the staging-clock columns are what production schedules would give.`,
        "Recovery is the machine's time once the runbook's commands run; the person's time is the handling minutes above, an assumption, not a measurement.",
        'Platform alerts (uptime, database, n8n, cost, the alert path) have no history in the seeded data, so they are not in the projection: each such incident a week adds about a quarter of an hour.',
        'Runbooks without a drill yet are listed in `runbooks/drills/index.ts` with the reason.',
        'Each collector runs on its own chain in the local scheduler, as each is its own Lambda in production: a long run of one (the retention purge, the audit chain verification) does not delay the others.',
        `The machine is shared (${cpus().length} cores; 1-minute load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end of the drills): detection and recovery times and the load smoke's latencies are upper bounds, not the capacity figure (\`load/\`).`,
      ],
    };
    const markdown = renderMarkdown(input);
    const mdFile = path.join(o.outDir, 'readiness.md');
    const htmlFile = path.join(o.outDir, 'readiness.html');
    await writeFile(mdFile, markdown);
    await writeFile(htmlFile, renderHtml(input));
    const htmlCheck = await checkHtml(htmlFile, journals.length);
    out(`${htmlCheck.ok ? '✔' : '✘'} report HTML in headless Chromium: ${htmlCheck.detail}`);
    out(`report: ${mdFile}, ${htmlFile}`);
    return {
      input,
      markdown,
      files: { markdown: mdFile, html: htmlFile, journals: journalFiles, log: logFile },
      htmlCheck,
    };
  } finally {
    out('stopping the staging…');
    await stopStaging(stack);
    out('staging stopped');
    await logging;
  }
}

/** Opens the report in headless Chromium: four charts, one bar per drill, nothing fetched. */
export async function checkHtml(
  file: string,
  drills: number,
): Promise<{ ok: boolean; detail: string }> {
  let browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    return { ok: false, detail: `no headless Chromium (${String(error).slice(0, 120)})` };
  }
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${path.resolve(file)}`);
    const figures = await page.locator('figure svg').count();
    const detectBars = await page.locator('#chart-detect rect').count();
    const box = await page.locator('#chart-hours svg').boundingBox();
    const ok =
      figures === 4 && detectBars === drills && requests.length === 0 && (box?.width ?? 0) > 100;
    return {
      ok,
      detail: `${figures} charts, ${detectBars} detect bars for ${drills} drills, ${requests.length} outside requests, hours chart ${Math.round(box?.width ?? 0)} px wide`,
    };
  } finally {
    await browser.close();
  }
}

function fmt(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}
