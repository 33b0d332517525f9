import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run as runDeliverability } from '../../collectors/deliverability/run.ts';
import { createTxtLookup, type TxtLookup } from '../../adapters/dns/txt.ts';
import type { RunningStack } from '../../sandbox/stack.ts';
import { runVigie } from '../drills/runner.ts';
import type { AlertRate, PrivacyResult, SmokeResult } from './report.ts';

/** NFR3 (the product brief): API response time under 500 ms at p95. */
export const API_P95_MS = 500;

/**
 * Privacy end to end: a seeded user erases one of their prospects through the API (Supabase JWT
 * from the auth stand-in), gets a signed receipt, the receipt verifies with `npx vigie privacy
 * verify-receipt` in another process, and the prospect is gone from Postgres.
 */
export async function privacyCheck(
  stack: RunningStack,
  commandEnv: Record<string, string>,
): Promise<PrivacyResult> {
  const auth = stack.standIns.auth;
  if (!auth) return { ok: false, detail: 'no Supabase Auth stand-in to sign a user token' };
  const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
    'select id, user_id from public.prospects order by created_at desc, id limit 1',
  );
  const prospect = rows[0];
  if (!prospect) return { ok: false, detail: 'no seeded prospect' };
  const token = await auth.signToken({ userId: prospect.user_id });
  const response = await fetch(`${stack.urls.app}/prospects/${prospect.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(60_000),
  });
  let body = (await response.json()) as { status?: string; receipt?: unknown; statusUrl?: string };
  let path202 = '';
  // 202: a store is slow or busy; the erasure-retry collector finishes it. Follow the status URL.
  if (response.status === 202 && body.statusUrl) {
    path202 = ' after 202 and its status URL';
    const statusUrl = body.statusUrl;
    const deadline = Date.now() + 90_000;
    while (body.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      const poll = await fetch(`${stack.urls.app}${statusUrl}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000),
      });
      body = (await poll.json()) as typeof body;
    }
  } else if (response.status !== 200) {
    return {
      ok: false,
      detail: `DELETE /prospects/{id} answered ${response.status} ${body.status ?? ''}`,
    };
  }
  if (body.status !== 'completed' || !body.receipt) {
    return { ok: false, detail: `the erasure did not complete (${body.status ?? 'no status'})` };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'vigie-receipt-'));
  try {
    const file = path.join(dir, 'receipt.json');
    await writeFile(file, JSON.stringify(body));
    const verified = await runVigie(`npx vigie privacy verify-receipt ${file}`, commandEnv);
    const left = await stack.pool.query<{ n: number }>(
      'select count(*)::int as n from public.prospects where id = $1',
      [prospect.id],
    );
    if (left.rows[0]!.n !== 0)
      return { ok: false, detail: 'the prospect row is still in Postgres' };
    return {
      ok: true,
      detail: `prospect erased through DELETE /prospects/{id}${path202} (completed, signed receipt), receipt verified by \`npx vigie privacy verify-receipt\` (${verified.split('\n')[0]}), no row left in Postgres`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: error instanceof Error ? error.message.slice(0, 300) : String(error),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A small HTTP smoke at fixed concurrency (the full load test is `load/`'s): the health checks
 * and an authenticated read, p50/p95 measured from each request's start.
 */
export async function httpSmoke(
  stack: RunningStack,
  options: { requests?: number; concurrency?: number } = {},
): Promise<SmokeResult[]> {
  const requests = options.requests ?? 200;
  const concurrency = options.concurrency ?? 10;
  const auth = stack.standIns.auth;
  const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
    'select id, user_id from public.prospects order by id limit 1',
  );
  const token = auth && rows[0] ? await auth.signToken({ userId: rows[0].user_id }) : undefined;
  const checks: Array<{ name: string; url: string; headers: Record<string, string> }> = [
    { name: 'GET /healthz', url: `${stack.urls.app}/healthz`, headers: {} },
    { name: 'GET /readyz', url: `${stack.urls.app}/readyz`, headers: {} },
  ];
  if (token && rows[0]) {
    checks.push({
      name: 'GET /prospects/{id}',
      url: `${stack.urls.app}/prospects/${rows[0].id}`,
      headers: { authorization: `Bearer ${token}` },
    });
  }
  const results: SmokeResult[] = [];
  for (const check of checks) {
    const times: number[] = [];
    let errors = 0;
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        next += 1;
        const started = performance.now();
        try {
          const r = await fetch(check.url, {
            headers: check.headers,
            signal: AbortSignal.timeout(10_000),
          });
          await r.arrayBuffer();
          if (r.status >= 400) errors += 1;
        } catch {
          errors += 1;
        }
        times.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    times.sort((a, b) => a - b);
    results.push({
      name: check.name,
      requests: times.length,
      errors,
      p50Ms: Math.round(quantile(times, 0.5)),
      p95Ms: Math.round(quantile(times, 0.95)),
      thresholdP95Ms: API_P95_MS,
    });
  }
  return results;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Alert rates over the seeded history. Deliverability: the collector itself replayed once a
 * day over the window (DNS answers cached: records do not change in the replay), an incident
 * being a domain turning red. Onboarding: from the rows' own dates — a domain verified more than
 * the grace period after it was added was "stuck" once; a connection left expired or revoked
 * broke once. Both scale with customers. Platform alerts (uptime, database, n8n, cost, the
 * alert path) are not in the seeded data: the report says so instead of guessing.
 */
export async function replayAlertRates(
  stack: RunningStack,
  options: { days?: number; graceHours?: number } = {},
): Promise<AlertRate[]> {
  const days = options.days ?? 90;
  const now = stack.now();
  const cache = new Map<string, Promise<string[]>>();
  const lookup = createTxtLookup(
    stack.config.DNS_RESOLVER ? { server: stack.config.DNS_RESOLVER } : {},
  );
  const cachedLookup: TxtLookup = (name) => {
    let hit = cache.get(name);
    if (!hit) {
      hit = lookup(name);
      cache.set(name, hit);
    }
    return hit;
  };
  const selectors = stack.config.DKIM_SELECTORS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let redYesterday = new Set<string>();
  let deliverability = 0;
  for (let d = days; d >= 0; d -= 1) {
    const at = new Date(now.getTime() - d * 86_400_000);
    const red = new Set<string>();
    await runDeliverability(
      {
        db: stack.pool,
        raise: async (_db, input) => {
          if (input.alertId === 'deliverability-domain-red')
            red.add(String(input.labels.sendingDomainId));
        },
        lookupTxt: cachedLookup,
        dkimSelectors: selectors,
      },
      at,
    );
    for (const id of red) if (!redYesterday.has(id)) deliverability += 1;
    redYesterday = red;
  }
  const grace = options.graceHours ?? stack.config.ONBOARDING_DOMAIN_GRACE_HOURS;
  const since = new Date(now.getTime() - days * 86_400_000);
  const { rows } = await stack.pool.query<{ domains: number; calendars: number }>(
    `select
       (select count(*)::int from public.sending_domains
         where created_at >= $1
           and coalesce(verified_at, $2) > created_at + make_interval(hours => $3)) as domains,
       (select count(*)::int from public.calendar_connections
         where status in ('expired', 'revoked', 'error')
           and coalesce(token_expires_at, created_at) >= $1) as calendars`,
    [since, now, grace],
  );
  return [
    {
      family: 'deliverability (domain turned red)',
      incidents: deliverability,
      days,
      perCustomer: true,
    },
    {
      family: 'onboarding (domain stuck unverified)',
      incidents: rows[0]!.domains,
      days,
      perCustomer: true,
    },
    {
      family: 'onboarding (calendar connection broken)',
      incidents: rows[0]!.calendars,
      days,
      perCustomer: true,
    },
  ];
}
