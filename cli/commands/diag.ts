import type { Command } from 'commander';
import { createDnsLookup } from '../../adapters/dns/records.ts';
import { createTxtLookup } from '../../adapters/dns/txt.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { calendarProblem, userCalendars } from '../../adapters/ops/calendar.ts';
import { findDomain } from '../../adapters/ops/domains.ts';
import { checkDomainRecords } from '../../adapters/dns/domain-records.ts';
import { run as runCost } from '../../collectors/cost/run.ts';
import { costSources } from '../../collectors/cost/sources.ts';
import { run as runDbHealth } from '../../collectors/db-health/run.ts';
import { run as runDeliverability } from '../../collectors/deliverability/run.ts';
import { run as runN8n } from '../../collectors/n8n-failure-rate/run.ts';
import { sentryDailyErrors } from '../../adapters/sentry/stats.ts';
import { SENTRY_ERROR_SPIKE_RULE } from '../../core/catalog/sentry-rules.ts';
import { type Config, parseConfig, requireSettings } from '../../core/config.ts';
import { commandClock } from '../../core/staging-time.ts';
import { poolFromEnv } from './migrate.ts';

/**
 * `vigie diag deliverability|n8n|domain <name>|calendar <user>|db|uptime|sentry|cost [--json]`: what a person needs
 * to read during an incident, in one command each. Read-only: the collectors run with a
 * `raise` that records nothing and the db-health memory is not moved.
 */
const noRaise = async () => undefined;
type Out = (line: string) => void;

export function register(program: Command): void {
  const diag = program
    .command('diag')
    .description('Incident diagnosis, one read per runbook (read-only)');

  diag
    .command('deliverability')
    .description('Every sending domain: score, bounce and complaint rates, SPF/DKIM/DMARC, paused')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) =>
      withDb(async (pool, config) => {
        const summary = await runDeliverability(
          {
            db: pool,
            raise: noRaise,
            lookupTxt: createTxtLookup(config.DNS_RESOLVER ? { server: config.DNS_RESOLVER } : {}),
            dkimSelectors: selectors(config),
          },
          new Date(),
        );
        const paused = await pausedDomains(pool);
        const domains = summary.domains.map((d) => ({
          ...d,
          paused: paused.has(d.sendingDomainId),
        }));
        if (o.json) return json({ ...summary, domains });
        const out = print();
        out(
          `${summary.counts.red} red, ${summary.counts.amber} amber, ${summary.counts.green} green`,
        );
        const order = { red: 0, amber: 1, green: 2 } as const;
        for (const d of domains.sort((a, b) => order[a.score] - order[b.score]).slice(0, 30)) {
          out(
            `${d.score.toUpperCase().padEnd(5)} ${d.domain.padEnd(40)} bounce24h ${pct(d.last24h.bounces, d.last24h.sent)} complaint7d ${pct(d.last7d.complaints, d.last7d.sent, 3)} spf ${d.dns.spf} dkim ${d.dns.dkim} dmarc ${d.dns.dmarc}${d.paused ? ' PAUSED' : ''}${d.failing.length ? ` · ${d.failing.join(', ')}` : ''}`,
          );
        }
        unreadLines(out, summary.unread);
      }),
    );

  diag
    .command('n8n')
    .description(
      'n8n failure rate per workflow over the last hour, and the latest failed executions',
    )
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const config = parseConfig(process.env);
      const c = requireSettings(
        config,
        ['DATABASE_URL', 'N8N_BASE_URL', 'N8N_API_KEY'],
        'diag n8n',
      );
      const n8n = createN8nClient({
        baseUrl: c.N8N_BASE_URL,
        apiKey: c.N8N_API_KEY,
        timeoutMs: 10_000,
      });
      await withDb(async (pool) => {
        const summary = await runN8n(
          { db: pool, raise: noRaise, openSince: async () => null, n8n },
          new Date(),
        );
        const failed = await n8n.listExecutions({ status: 'error', limit: 10 }).catch(() => null);
        const recent = (failed?.data ?? []).map((e) => ({
          id: e.id,
          workflowId: e.workflowId,
          status: e.status,
          startedAt: e.startedAt,
          stoppedAt: e.stoppedAt,
        }));
        if (o.json) return json({ ...summary, recentFailed: recent });
        const out = print();
        const o2 = summary.overall;
        out(
          o2
            ? `overall: ${o2.failures} of ${o2.finished} failed in ${summary.windowMinutes} min (${pct(o2.failures, o2.finished)})`
            : 'overall: no finished executions',
        );
        for (const w of summary.workflows)
          out(
            `workflow ${w.workflowId}: ${w.failures}/${w.finished} failed (${pct(w.failures, w.finished)})`,
          );
        for (const e of recent)
          out(
            `failed execution ${e.id} workflow ${e.workflowId} ${e.status} at ${e.stoppedAt ?? e.startedAt}`,
          );
        for (const w of summary.warnings) out(`warning: ${w}`);
        unreadLines(out, summary.unread);
      });
    });

  diag
    .command('domain')
    .description('One sending domain: its five DNS records now, verification, pause, last 24 h')
    .argument('<name>', 'the sending domain, e.g. mail.acme.com')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: { json?: boolean }) =>
      withDb(async (pool, config) => {
        const domain = await findDomain(pool, name);
        const checks = await checkDomainRecords(
          {
            dns: createDnsLookup(config.DNS_RESOLVER ? { server: config.DNS_RESOLVER } : {}),
            dkimSelectors: selectors(config),
            tracking: {
              host: config.TRACKING_CNAME_HOST,
              target: config.TRACKING_CNAME_TARGET ?? '',
            },
          },
          domain.domain,
        );
        const { rows } = await pool.query<{ type: string; n: number }>(
          `select type, count(*)::int as n from public.email_events
            where sending_domain_id = $1 and occurred_at > now() - interval '24 hours' group by type`,
          [domain.id],
        );
        const last24h = Object.fromEntries(rows.map((r) => [r.type, r.n]));
        const result = {
          sendingDomainId: domain.id,
          domain: domain.domain,
          addedAt: domain.created_at,
          verifiedAt: domain.verified_at,
          sendingPausedAt: domain.sending_paused_at,
          records: checks,
          last24h,
        };
        if (o.json) return json(result);
        const out = print();
        out(`${domain.domain} (${domain.id})`);
        out(
          `added ${domain.created_at.toISOString()} · ${domain.verified_at ? `verified ${domain.verified_at.toISOString()}` : 'NOT VERIFIED'} · ${domain.sending_paused_at ? `sending PAUSED since ${domain.sending_paused_at.toISOString()}` : 'sending'}`,
        );
        for (const [record, check] of Object.entries(checks))
          out(`  ${record.padEnd(9)} ${check === 'pass' ? 'pass' : check.toUpperCase()}`);
        out(
          `last 24 h: ${
            Object.entries(last24h)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'no events'
          }`,
        );
      }),
    );

  diag
    .command('calendar')
    .description("A user's calendar connections: status, expiry, scopes, and what is wrong")
    .argument('<user>', 'the user id (UUID)')
    .option('--json', 'print as JSON')
    .action(async (user: string, o: { json?: boolean }) =>
      withDb(async (pool) => {
        const now = new Date();
        const connections = (await userCalendars(pool, user)).map((c) => ({
          calendarConnectionId: c.id,
          provider: c.provider,
          status: c.status,
          tokenExpiresAt: c.token_expires_at,
          scopes: c.scopes,
          refreshFailures: c.refresh_failures,
          hasRefreshToken: c.has_refresh,
          reconnectRequestedAt: c.reconnect_requested_at,
          lastSyncedAt: c.last_synced_at,
          problem: calendarProblem(c, now),
        }));
        if (o.json) return json({ userId: user, connections });
        const out = print();
        if (connections.length === 0) out(`user ${user} has no calendar connection`);
        for (const c of connections) {
          out(
            `${c.provider} ${c.calendarConnectionId}: ${c.status}${c.problem ? ` · PROBLEM ${c.problem}` : ' · ok'}${c.reconnectRequestedAt ? ` · reconnect requested ${c.reconnectRequestedAt.toISOString()}` : ''}`,
          );
          out(
            `  token expires ${c.tokenExpiresAt?.toISOString() ?? 'never set'} · refresh token ${c.hasRefreshToken ? 'yes' : 'NO'} · refresh failures ${c.refreshFailures} · scopes ${c.scopes.join(' ') || 'none'}`,
          );
        }
      }),
    );

  diag
    .command('uptime')
    .description("The app's readiness as Better Stack checks it: /readyz and each dependency")
    .option('--json', 'print as JSON')
    .option(
      '--wait <seconds>',
      'after a fix: ask again each second until ready, for at most this long (the app re-checks its dependencies every few seconds)',
      '0',
    )
    .action(async (o: { json?: boolean; wait: string }) => {
      const config = requireSettings(
        parseConfig(process.env),
        ['APP_PUBLIC_URL'],
        'vigie diag uptime',
      );
      const waitSeconds = Number(o.wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 600) {
        throw new Error(`--wait must be a number of seconds from 0 to 600, not "${o.wait}"`);
      }
      const url = `${config.APP_PUBLIC_URL.replace(/\/+$/, '')}/readyz`;
      const deadline = performance.now() + waitSeconds * 1_000;
      let answer = await readyz(url);
      while (answer.status !== 200 && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1_000));
        answer = await readyz(url);
      }
      const { status, body, ms } = answer;
      // Exit 1 while not ready: the runbook's check that the outage is over.
      if (status !== 200) process.exitCode = 1;
      if (o.json) return json({ url, httpStatus: status, ms, ...body });
      const out = print();
      out(
        `${url}: HTTP ${status || '-'} ${body.status ?? ''} in ${ms} ms${body.checkedAt ? ` (dependencies checked ${body.checkedAt})` : ''}`,
      );
      for (const [name, d] of Object.entries(body.dependencies ?? {}))
        out(
          `  ${name.padEnd(9)} ${d.state}${d.latencyMs === undefined ? '' : ` ${d.latencyMs} ms`}${d.error ? ` · ${d.error}` : ''}`,
        );
    });

  diag
    .command('sentry')
    .description(
      "Sentry now: the error-spike rule's open alerts and today's error events (accepted, dropped)",
    )
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) =>
      withDb(async (pool, config) => {
        const s = requireSettings(
          config,
          ['SENTRY_API_BASE_URL', 'SENTRY_ORG', 'SENTRY_AUTH_TOKEN'],
          'vigie diag sentry',
        );
        const now = commandClock(config).now();
        const { rows: open } = await pool.query<{
          alert_id: string;
          labels: Record<string, unknown>;
          last_raised_at: Date;
        }>(
          `select alert_id, labels, last_raised_at from alert_outbox
            where alert_id like 'sentry-%' and resolved_at is null order by id`,
        );
        const today = await sentryDailyErrors(
          { baseUrl: s.SENTRY_API_BASE_URL, org: s.SENTRY_ORG, authToken: s.SENTRY_AUTH_TOKEN },
          new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`),
          now,
        );
        if (o.json) return json({ open, today });
        const out = print();
        out(
          `open Sentry alerts: ${open.length === 0 ? 'none' : open.map((a) => `${a.alert_id} ${JSON.stringify(a.labels)}`).join('; ')}`,
        );
        out(
          `error events today (UTC): ${today.accepted} accepted${Object.entries(today.dropped)
            .map(([k, n]) => `, ${n} ${k}`)
            .join('')}`,
        );
        out(
          `the spike rule: more than ${SENTRY_ERROR_SPIKE_RULE.alertThreshold} errors in ${SENTRY_ERROR_SPIKE_RULE.timeWindowMinutes} minutes fires, fewer than ${SENTRY_ERROR_SPIKE_RULE.resolveThreshold} resolves`,
        );
      }),
    );

  diag
    .command('cost')
    .description(
      "This month's spend per service against its budget, and the Anthropic spend cap (read-only, nothing posted)",
    )
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) =>
      withDb(async (pool, config) => {
        const summary = await runCost(
          { db: pool, raise: noRaise, timeZone: config.VIGIE_TIMEZONE, ...costSources(config) },
          commandClock(config).now(),
        );
        if (o.json) return json(summary);
        const out = print();
        for (const line of summary.report.split('\n')) out(line);
      }),
    );

  diag
    .command('db')
    .description(
      'The supabase-inspect-db checks: connections, blocking, long transactions, slow statements, cache, seq scans',
    )
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) =>
      withDb(async (pool, config) => {
        const s = await runDbHealth(
          {
            db: pool,
            raise: noRaise,
            dryRun: true,
            thresholds: {
              blockedSeconds: config.DB_HEALTH_BLOCKED_SECONDS,
              longTransactionSeconds: config.DB_HEALTH_LONG_TRANSACTION_SECONDS,
            },
          },
          new Date(),
        );
        if (o.json) return json(s);
        const out = print();
        const c = s.connections;
        if (c) {
          out(
            `connections: server ${c.server.inUse}/${c.server.limit}${c.database.limit ? ` · database ${c.database.inUse}/${c.database.limit}` : ` · database ${c.database.inUse}`}`,
          );
        }
        out(`blocked sessions: ${s.blocked.length}`);
        for (const b of s.blocked)
          out(
            `  backend ${b.pid} waits ${b.waitSeconds} s on backend ${b.blockingPid}  → npx vigie db cancel ${b.blockingPid} --terminate`,
          );
        out(`long transactions: ${s.longTransactions.length}`);
        for (const l of s.longTransactions) out(`  backend ${l.pid}: ${l.seconds} s (${l.state})`);
        out(`slow statements: ${s.slowStatements.length}`);
        for (const q of s.slowStatements)
          out(
            `  ${q.queryId}: ${q.meanMs} ms/call vs ${q.baselineMs} ms baseline over ${q.calls} calls`,
          );
        out(`cache hit: table ${ratio(s.cacheHit?.table)} · index ${ratio(s.cacheHit?.index)}`);
        out(
          `heavy seq scans: ${s.seqScans.map((t) => `${t.table} (${t.seqScans})`).join(', ') || 'none'}`,
        );
        out(`unused indexes: ${s.unusedIndexes.map((i) => i.index).join(', ') || 'none'}`);
        unreadLines(out, s.unread);
      }),
    );
}

async function withDb(
  fn: (pool: ReturnType<typeof poolFromEnv>, config: Config) => Promise<unknown>,
) {
  const config = parseConfig(process.env);
  const pool = poolFromEnv(process.env);
  try {
    await fn(pool, config);
  } finally {
    await pool.end();
  }
}

function selectors(config: Config): string[] {
  return config.DKIM_SELECTORS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function pausedDomains(pool: ReturnType<typeof poolFromEnv>): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    'select id from public.sending_domains where sending_paused_at is not null',
  );
  return new Set(rows.map((r) => r.id));
}

function print(): Out {
  return (line) => process.stdout.write(`${line}\n`);
}

function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function pct(n: number, d: number, digits = 1): string {
  return d === 0 ? 'n/a' : `${((n / d) * 100).toFixed(digits)}%`;
}

function ratio(r: number | null | undefined): string {
  return r === null || r === undefined ? 'n/a (too few reads)' : `${(r * 100).toFixed(2)}%`;
}

function unreadLines(out: Out, unread: Array<{ source: string; reason: string }>) {
  for (const u of unread) out(`could not read ${u.source} (${u.reason})`);
}

interface ReadyzBody {
  status?: string;
  checkedAt?: string;
  dependencies?: Record<string, { state: string; latencyMs?: number; error?: string }>;
}

/** One `GET /readyz`: its status (0 when unreachable), body and time. */
async function readyz(url: string): Promise<{ status: number; body: ReadyzBody; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json().catch(() => ({}))) as ReadyzBody;
    return { status: response.status, body, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const body = { status: `unreachable (${error instanceof Error ? error.name : 'error'})` };
    return { status: 0, body, ms: Math.round(performance.now() - started) };
  }
}
