import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createPool } from '../../adapters/postgres/pool.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyApiTraffic, instantQuery } from '../../adapters/prometheus/query.ts';
import { createDevToken } from '../../cli/commands/dev.ts';
import { loadRunner } from '../../collectors/registry.ts';
import { recordRun } from '../../collectors/shared/record-metrics.ts';
import type { TickBase } from '../../collectors/shared/tick.ts';
import type { WeeklySummary } from '../../collectors/weekly-summary/run.ts';
import { metrics } from '../../core/catalog/metrics.ts';
import { instrumentOptions } from '../../core/catalog/metrics.ts';
import { dashboards } from '../../dashboards/index.ts';
import { expand, graphUrl, panelQueries } from '../../dashboards/queries.ts';
import { launchChromium } from '../../testkit/chromium.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { type RunningStack, startStack } from '../stack.ts';

/**
 * The dashboards' proof: local staging (real Postgres, Redis, Prometheus 2.42 scraping the OTLP
 * stand-in) runs ten minutes of staging time per second, so the frequent collectors run on their
 * schedule, while the test sends API traffic; the daily and weekly collectors are run once as
 * their schedule would, recorded as their handler records them. Then every panel query of every
 * dashboard must return data from that Prometheus. Queries on metrics only a failure produces
 * are listed in FAULT_DRIVEN and driven with the stand-ins' fault knobs.
 */
const STAGE = 'staging';
const REDIS = testRedisUrl(6);
const HOOK_SECRET = 'dashboards-proof-hook-secret';

/** Metrics that appear only when something fails, and the fault that makes them appear here. */
const FAULT_DRIVEN: Record<string, string> = {
  'vigie.n8n.workflow_errors':
    "n8n failureRate knob: failed executions, reported to /hooks/n8n/error as n8n's error workflow does",
  'vigie.alerts.raised':
    'n8n failureRate knob: the n8n-failure-rate collector raises n8n-failure-rate-high',
};

/**
 * Panels whose query returns a series even without data (`histogram_quantile` over buckets
 * that did not grow in the window gives NaN): they must return a number.
 */
const MUST_BE_A_NUMBER = new Set(['Execution time per workflow (p50, p95, last hour)']);

let db: TestDatabase;
let stateDir: string;
let stack: RunningStack;
let prometheus: string;

/** Panel queries that cannot show data in this environment, and why (filled in below). */
const KNOWN_EMPTY: Record<string, string> = {};

/**
 * The slow-statement count needs pg_stat_statements preloaded (as on Supabase, in embedded
 * staging and in .ci/run); a shared development Postgres without it leaves that query empty,
 * exactly as the db-health collector's own test allows.
 */
async function expectEmptyWithoutStatements(): Promise<void> {
  // The app's role may not read server settings: ask as the database's owner.
  const owner = createPool(db.url, { max: 1 });
  const { rows } = await owner
    .query<{ libs: string }>('select current_setting($1) as libs', ['shared_preload_libraries'])
    .finally(() => owner.end());
  if (!rows[0]!.libs.includes('pg_stat_statements')) {
    KNOWN_EMPTY['Vigie — Overview / Database: slow statements and unused indexes (A)'] =
      'pg_stat_statements is not preloaded in this Postgres';
  }
}

/** Requests and 5xx responses the app counted (its exported histogram counts). */
function appCounts(): { requests: number; errors: number } {
  const counted = { requests: 0, errors: 0 };
  for (const line of stack.standIns.otlp!.exposition().split('\n')) {
    const m = /^http_server_request_duration_seconds_count\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    counted.requests += Number(m[2]);
    if (/http_response_status_code="5\d\d"/.test(m[1] ?? '')) counted.errors += Number(m[2]);
  }
  return counted;
}
const counts: {
  baseline?: { requests: number; errors: number };
  final?: { requests: number; errors: number };
} = {};

beforeAll(async () => {
  db = await createTestDatabase();
  stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-dash-'));
  stack = await startStack({
    env: {
      DATABASE_URL: db.url,
      REDIS_URL: REDIS,
      PORT: '0',
      PATH: process.env.PATH,
      VIGIE_STAGE: STAGE,
      VIGIE_TIME_SCALE: '600',
      // /readyz answers from a snapshot; refreshed often here so the n8n outage shows quickly.
      HEALTH_REFRESH_MS: '200',
      N8N_HOOK_SECRET: HOOK_SECRET,
      RECEIPT_SIGNING_KEY: 'dashboards-proof-receipt-signing-key-0123456789',
      // A deployed stage signs audit checkpoints with its own key (docs/audit-anchoring.md).
      AUDIT_CHECKPOINT_KEY: 'dashboards-proof-audit-checkpoint-key-0123456789',
    },
    stateDir,
    seedSize: { customers: 2, prospectsPerCustomer: 20 },
    metricExportIntervalMs: 1_000,
  });
  if (!stack.urls.prometheus) {
    throw new Error('local Prometheus did not start: install Debian package prometheus');
  }
  prometheus = stack.urls.prometheus;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function get(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.body?.cancel();
  return response.status;
}

/**
 * Polls `probe` until `done` accepts its answer, and returns that answer; fails naming `what`
 * (and the last answer) when `timeoutMs` passes. Every wait of this proof is on a condition: a
 * loaded machine makes it slower, never wrong.
 */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 90_000, pollMs = 500 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}: last ${JSON.stringify(value)}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Σ over the stored request-count series of (last sample − first sample): `increase` without extrapolation. */
async function storedIncrease(): Promise<number> {
  const query = new URLSearchParams({ query: 'http_server_request_duration_seconds_count[1h]' });
  const response = await fetch(`${prometheus}/api/v1/query?${query}`);
  const body = (await response.json()) as {
    data: { result: { values: [number, string][] }[] };
  };
  let total = 0;
  for (const series of body.data.result) {
    const first = Number(series.values[0]?.[1] ?? 0);
    const last = Number(series.values.at(-1)?.[1] ?? 0);
    total += last - first;
  }
  return total;
}

/** API traffic of every kind the dashboards show, with some server errors. */
async function apiTraffic(): Promise<void> {
  const app = stack.urls.app;
  for (let i = 0; i < 20; i += 1) await get(`${app}/healthz`);
  const user = stack.demoUserId as string;
  const token = await createDevToken({ stateDir, userId: user });
  const auth = { headers: { authorization: `Bearer ${token}` } };
  for (let i = 0; i < 3; i += 1) await get(`${app}/users/me/data`, auth);
  const { rows } = await stack.pool.query<{ id: string }>(
    'select id from public.prospects where user_id = $1 order by id limit 2',
    [user],
  );
  // Enrichment through the gateway (Claude stand-in): calls, tokens and cost.
  const enriched = await get(`${app}/enrichments`, {
    method: 'POST',
    headers: { ...auth.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      prospectId: rows[1]!.id,
      title: 'CTO',
      company: 'Acme',
      industry: 'Software',
    }),
  });
  expect(enriched).toBe(200);
  for (const row of rows) await get(`${app}/prospects/${row.id}`, { ...auth, method: 'DELETE' });
}

/** Server errors for the error-rate panel and the weekly summary, after every other series exists. */
async function serverErrors(): Promise<void> {
  const app = stack.urls.app;
  // n8n down: /readyz answers 503 (server errors for the error-rate panel and the summary).
  // One first, then a pause: a series' first scraped value is Prometheus's baseline, so the
  // measured errors are the ones after it.
  const n8n = stack.standIns.n8n!;
  n8n.faults.outage = true;
  // The snapshot behind /readyz sees the outage at its next refresh.
  for (let i = 0; i < 50 && (await get(`${app}/readyz`)) !== 503; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await stack.telemetry.flush();
  // Wait until Prometheus holds the 503 series: its first sample is the baseline.
  const first = 'http_server_request_duration_seconds_count{http_response_status_code="503"}';
  await waitFor(
    'Prometheus to hold the first 503',
    () => instantQuery({ baseUrl: prometheus }, first),
    (result) => result.length > 0,
  );
  counts.baseline = appCounts();
  for (let i = 0; i < 10; i += 1) await get(`${app}/readyz`);
  n8n.faults.outage = false;
  for (let i = 0; i < 20; i += 1) await get(`${app}/healthz`);
}

/** Executions, half failing (fault knob), each failure reported by "n8n's error workflow". */
async function n8nTraffic(): Promise<void> {
  const n8n = stack.standIns.n8n!;
  n8n.faults.failureRate = 0.5;
  const user = stack.demoUserId as string;
  const { rows } = await stack.pool.query<{ id: string }>(
    'select id from public.prospects where user_id = $1 order by id desc limit 1',
    [user],
  );
  const body = JSON.stringify({ userId: user, prospects: [{ id: rows[0]!.id }] });
  const answers = await Promise.all(
    Array.from({ length: 30 }, async () => {
      const response = await fetch(`${n8n.url}/webhook/scrape-and-enrich`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: response.status, body: (await response.json()) as { executionId: string } };
    }),
  );
  n8n.faults.failureRate = 0;
  // The webhook answers first; the runs (the real workflow, queued by the plan) end later.
  expect(answers.every((a) => a.status === 200)).toBe(true);
  const ids = new Set(answers.map((a) => a.body.executionId));
  const ended = () =>
    n8n.executions().filter((e) => ids.has(e.id) && ['success', 'error'].includes(e.status));
  for (let i = 0; i < 1_200 && ended().length < ids.size; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const failures = ended().filter((e) => e.status === 'error');
  expect(ended()).toHaveLength(ids.size);
  expect(failures.length).toBeGreaterThan(0);
  for (const failed of failures) {
    const status = await get(`${stack.urls.app}/hooks/n8n/error`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vigie-hook-secret': HOOK_SECRET },
      body: JSON.stringify({
        execution: {
          id: failed.id,
          mode: 'webhook',
          error: { message: 'Enrichment failed' },
          lastNodeExecuted: 'Claude',
        },
        workflow: { id: 'wf-scrape-and-enrich', name: 'Scrape and enrich' },
      }),
    });
    expect(status).toBe(202);
  }
}

/**
 * Finished executions with known run times, stopped now on the staging clock, so the next
 * n8n-failure-rate run times them. Seeded rather than run through the webhook: a webhook
 * execution's run time is its real time × the time scale (600), which on a loaded machine is
 * more than the hour of starts the collector reads, and it would then never be timed.
 */
function timedExecutions(seconds: number[]): void {
  const n8n = stack.standIns.n8n!;
  const now = stack.now().getTime();
  for (const s of seconds) {
    n8n.addExecution({
      workflowId: 'wf-scrape-and-enrich',
      status: 'success',
      startedAt: new Date(now - s * 1000).toISOString(),
      stoppedAt: new Date(now).toISOString(),
    });
  }
}

/**
 * Two rounds of timed executions: `increase` over the hour only sees what a series gained
 * after Prometheus first stored it, so the second round comes once the first is stored.
 */
async function executionTimes(): Promise<void> {
  const stored = async () => {
    const result = await instantQuery(
      { baseUrl: prometheus },
      'vigie_n8n_execution_duration_seconds_count{workflow_id="wf-scrape-and-enrich"}',
    );
    return result.reduce((sum, r) => sum + (Number.isFinite(r.value) ? r.value : 0), 0);
  };
  timedExecutions([4, 12, 45]);
  const first = await waitFor(
    'Prometheus to hold the first timed executions',
    stored,
    (n) => n > 0,
  );
  // Each collector run observes only its own period; the local scheduler skips to its latest
  // slot when it falls 5 real seconds behind (a loaded machine), so a round stamped in a skipped
  // period is never observed. Another round is stamped until one is stored.
  for (let round = 0; ; round += 1) {
    timedExecutions([8, 30, 90, 200]);
    try {
      await waitFor('Prometheus to hold the second timed executions', stored, (n) => n > first, {
        timeoutMs: 20_000,
      });
      return;
    } catch (error) {
      if (round === 4) throw error;
    }
  }
}

/**
 * An erasure whose verification found the prospect still in a store, left in Postgres as the
 * erasure flow leaves it (no stand-in knob makes a store keep data its delete answered for).
 */
async function failedVerification(): Promise<void> {
  const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
    'select id, user_id from public.prospects order by id desc limit 1',
  );
  const prospect = rows[0]!;
  await stack.pool.query(
    `with r as (
       insert into public.erasure_requests (user_id, prospect_id, requested_at, due_at, status)
       values ($1, $2, now() - interval '1 hour', now() + interval '1 month', 'failed')
       returning id)
     insert into public.erasure_steps (request_id, store, status, attempts, next_attempt_at, result, last_error)
     select id, 'verification', 'failed', 1, now() + interval '1 year', '{"totalHits": 1}', 'VerificationFailed'
       from r`,
    [prospect.user_id, prospect.id],
  );
}

/**
 * A short load run publishing the figures the load scenarios publish (catalog entries marked
 * `load-run`), through the stack's OpenTelemetry meter, while requests hit the app.
 */
async function loadRun(): Promise<void> {
  const meter = stack.telemetry.meter;
  const duration = meter.createHistogram('vigie.load.request.duration', {
    ...instrumentOptions('vigie.load.request.duration'),
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] },
  });
  const requests = meter.createCounter(
    'vigie.load.requests',
    instrumentOptions('vigie.load.requests'),
  );
  const vusers = meter.createGauge('vigie.load.vusers', instrumentOptions('vigie.load.vusers'));
  const scenario = { 'vigie.load.scenario': 'smoke' };
  vusers.record(2, scenario);
  for (let i = 0; i < 20; i += 1) {
    const started = performance.now();
    const status = await get(`${stack.urls.app}/healthz`);
    const outcome = status >= 500 ? 'error' : 'ok';
    duration.record((performance.now() - started) / 1000, { ...scenario, outcome });
    requests.add(1, { ...scenario, outcome });
  }
}

/** The next Monday 08:00 Europe/Paris (07:00 UTC in winter): its summary covers this week. */
function nextMondayMorning(now: Date): Date {
  const day = now.getUTCDay();
  const daysAhead = (8 - day) % 7 || 7;
  const monday = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysAhead, 7),
  );
  return monday;
}

describe('dashboards against local staging', () => {
  it('every panel query returns data from the Prometheus fed by Vigie', async () => {
    await apiTraffic();
    await n8nTraffic();
    await loadRun();
    await serverErrors();
    await executionTimes();
    await failedVerification();
    await expectEmptyWithoutStatements();
    // Daily and weekly collectors: one run each, as their schedule would, recorded as their handler does.
    for (const [name, at] of [
      ['cost', new Date()],
      ['retention-purge', new Date()],
      ['weekly-summary', nextMondayMorning(new Date())],
    ] as const) {
      const summary = (await (await loadRunner(name))(stack.config, at)) as TickBase;
      recordRun(stack.telemetry.meter, name, summary);
    }

    const queries = panelQueries(dashboards).map((q) => ({
      ...q,
      promql: expand(q.expr, { stage: STAGE }),
    }));
    const nameOf = (q: (typeof queries)[number]) => `${q.dashboard} / ${q.panel} (${q.refId})`;
    // A query shows data when it returns a series (and, for those in MUST_BE_A_NUMBER, a
    // number rather than NaN). Asked again until only the known-empty ones are left.
    const shows = async (q: (typeof queries)[number]) => {
      const result = await instantQuery({ baseUrl: prometheus }, q.promql);
      return MUST_BE_A_NUMBER.has(q.panel)
        ? result.some((r) => Number.isFinite(r.value))
        : result.length > 0;
    };
    let empty = queries;
    try {
      await waitFor(
        'every panel query to show data',
        async () => {
          const still: typeof queries = [];
          for (const q of empty) if (!(await shows(q))) still.push(q);
          empty = still;
          return empty.map(nameOf);
        },
        (names) => names.every((n) => n in KNOWN_EMPTY),
        { timeoutMs: 150_000, pollMs: 1_000 },
      );
    } catch {
      // Reported below, by name.
    }
    expect(empty.map(nameOf).sort()).toEqual(Object.keys(KNOWN_EMPTY).sort());
  }, 300_000);

  it('lists its fault-driven metrics by catalog name, and the catalog agrees', () => {
    const faultOnly = metrics
      .filter((m) => 'driver' in m && m.driver === 'fault')
      .map((m) => m.name);
    for (const name of faultOnly) expect(Object.keys(FAULT_DRIVEN)).toContain(name);
  });

  it("shows one query per dashboard on Prometheus's own graph page: a series, no error banner", async () => {
    const browser = await launchChromium();
    // Kept for a person to look at (git-ignored).
    const shots = path.resolve('.vigie', 'screenshots');
    await mkdir(shots, { recursive: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      for (const d of dashboards) {
        const query = panelQueries([d]).find(
          (q) => !(`${q.dashboard} / ${q.panel} (${q.refId})` in KNOWN_EMPTY),
        )!;
        await page.goto(graphUrl(prometheus, expand(query.expr, { stage: STAGE })));
        // Prometheus 2.42's React UI: "Total time series: N" above the graph, one legend line per series.
        const total = page.getByText(/Total time series: [1-9]\d*/);
        await total.waitFor({ timeout: 60_000 });
        expect(await page.locator('.legend .line').count(), d.uid).toBeGreaterThan(0);
        expect(await page.locator('.alert-danger:visible').count(), d.uid).toBe(0);
        await page.screenshot({ path: path.join(shots, `${d.uid}.png`), fullPage: true });
      }
    } finally {
      await browser.close();
    }
  }, 300_000);

  it("the weekly summary's error rate matches the traffic the app counted", async () => {
    // Prometheus scrapes every 2 s: on a busy machine its newest sample can lag the app's own
    // count, so wait until it holds every request the app counted before reading the week.
    await stack.telemetry.flush();
    const counted = appCounts().requests;
    await waitFor(
      `Prometheus to hold the ${counted} requests the app counted`,
      async () =>
        (
          await instantQuery(
            { baseUrl: prometheus },
            'sum(http_server_request_duration_seconds_count)',
          )
        )[0]?.value ?? 0,
      (stored) => stored >= counted,
    );
    const now = nextMondayMorning(new Date());
    const summary = (await (
      await loadRunner('weekly-summary')
    )(stack.config, now)) as WeeklySummary;
    expect(summary.errorRate).not.toBeNull();
    const rate = summary.errorRate!;
    // What the app itself counted: its exported histogram counts. Prometheus's `increase`
    // starts at each series' first scrape (the baseline taken after it) and extrapolates to the
    // window's edges, so the figure lies between the traffic since the baseline and all of it.
    const final = appCounts();
    const baseline = counts.baseline!;
    const since = {
      requests: final.requests - baseline.requests,
      errors: final.errors - baseline.errors,
    };
    expect(since.errors).toBeGreaterThanOrEqual(10);
    expect(rate.week.errors).toBeGreaterThanOrEqual(since.errors);
    expect(rate.week.errors).toBeLessThanOrEqual(Math.ceil(final.errors * 1.1));
    // A series born after the baseline (a route or status first seen later) loses its first
    // scraped value to `increase`, so the requests' floor is what Prometheus stored: per series,
    // its last sample minus its first.
    expect(rate.week.requests).toBeGreaterThanOrEqual(await storedIncrease());
    expect(await storedIncrease()).toBeGreaterThanOrEqual(since.errors);
    expect(rate.week.requests).toBeLessThanOrEqual(Math.ceil(final.requests * 1.1));
    expect(rate.week.rate).toBeCloseTo(rate.week.errors / rate.week.requests, 6);
    expect(rate.week.rate!).toBeGreaterThan(0);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    expect(rate.perDay.filter((d) => d.requests > 0).map((d) => d.day)).toEqual([today]);
    expect(rate.perDay.find((d) => d.day === today)?.rate).toBe(rate.week.rate);
    // The same figure straight from Prometheus, as the Overview's query computes it.
    const direct = await dailyApiTraffic(
      { baseUrl: prometheus },
      [{ start: new Date(Date.now() - 86_400_000), end: new Date() }],
      STAGE,
    );
    expect(Math.round(direct[0]!.errors)).toBeGreaterThanOrEqual(since.errors);
    // And the email says it, in words and per day.
    const mail = stack.standIns.smtp!.messages.at(-1)!;
    const percent = `${((rate.week.rate ?? 0) * 100).toFixed(3).replace(/\.?0+$/, '')}%`;
    expect(mail.text).toContain(
      `API error rate (5xx over all responses): ${percent} this week (${rate.week.errors} of ${rate.week.requests} requests)`,
    );
    expect(mail.text).toContain(`${today.slice(5)} ${percent}`);
    expect(mail.html).toContain('aria-label="API error rate per day"');
  }, 180_000);
});
