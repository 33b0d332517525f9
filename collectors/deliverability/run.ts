import type { TxtLookup } from '../../adapters/dns/txt.ts';
import { DOMAIN_HEALTH_SQL } from '../../migrations/hot-queries.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import {
  checkDkim,
  checkDmarc,
  checkSpf,
  type DnsAuthResult,
  type DomainHealth,
  scoreDomain,
  scoreLevel,
  type WindowCounts,
} from '../../core/deliverability.ts';
import {
  finish,
  raiseAndRecord,
  round,
  type RaiseAlert,
  type TickBase,
  type Unread,
  unreadFrom,
} from '../shared/tick.ts';

/**
 * Per sending domain: bounce and complaint rates over 24 h and 7 d from `email_events`, SPF,
 * DKIM and DMARC through DNS, and a Green/Amber/Red score (core/deliverability.ts). Red raises
 * `deliverability-domain-red` naming the domain and the signal that failed; an SPF/DKIM/DMARC
 * failure also raises `deliverability-auth-failing`. A sending domain (`mail.acme.test`) is
 * the customer company's, not a person's: alerts and the summary may name it.
 */
export interface DeliverabilityDeps {
  db: Queryable;
  raise: RaiseAlert;
  lookupTxt: TxtLookup;
  dkimSelectors: readonly string[];
}

export interface DomainReport {
  sendingDomainId: string;
  domain: string;
  /** Sending paused (`vigie domain pause`): scored, but a red score no longer pages. */
  paused: boolean;
  score: DomainHealth['score'];
  failing: string[];
  last24h: WindowCounts;
  last7d: WindowCounts;
  dns: DnsAuthResult;
}

export interface DeliverabilitySummary extends TickBase {
  domains: DomainReport[];
  counts: { green: number; amber: number; red: number };
}

interface Row {
  id: string;
  domain: string;
  paused: boolean;
  sent24: string;
  bounces24: string;
  complaints24: string;
  sent7: string;
  bounces7: string;
  complaints7: string;
}

export async function run(deps: DeliverabilityDeps, now: Date): Promise<DeliverabilitySummary> {
  const summary: DeliverabilitySummary = {
    collector: 'deliverability',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    domains: [],
    counts: { green: 0, amber: 0, red: 0 },
  };
  let rows: Row[];
  try {
    const result = await deps.db.query<Row>(DOMAIN_HEALTH_SQL, [
      new Date(now.getTime() - 86_400_000),
      new Date(now.getTime() - 7 * 86_400_000),
      now,
    ]);
    rows = result.rows;
  } catch (error) {
    summary.unread.push(unreadFrom('postgres.email_events', error));
    return finish(deps, summary, now);
  }

  const dnsFailures: Unread[] = [];
  for (const row of rows) {
    const dns = await authenticate(deps, row.domain, dnsFailures);
    const last24h = {
      sent: Number(row.sent24),
      bounces: Number(row.bounces24),
      complaints: Number(row.complaints24),
    };
    const last7d = {
      sent: Number(row.sent7),
      bounces: Number(row.bounces7),
      complaints: Number(row.complaints7),
    };
    const health = scoreDomain({ last24h, last7d, dns });
    summary.counts[health.score] += 1;
    summary.domains.push({
      sendingDomainId: row.id,
      domain: row.domain,
      paused: row.paused,
      score: health.score,
      failing: health.failing.map((f) => f.signal),
      last24h,
      last7d,
      dns,
    });
    const labels = { sending_domain_id: row.id };
    for (const [window, c] of [
      ['24h', last24h],
      ['7d', last7d],
    ] as const) {
      if (c.sent === 0) continue;
      summary.metrics.push({
        name: 'vigie_deliverability_bounce_rate',
        value: c.bounces / c.sent,
        labels: { ...labels, window },
      });
      summary.metrics.push({
        name: 'vigie_deliverability_complaint_rate',
        value: c.complaints / c.sent,
        labels: { ...labels, window },
      });
    }
    summary.metrics.push({
      name: 'vigie_deliverability_score',
      value: scoreLevel(health.score),
      labels,
    });
    // SPF, DKIM, DMARC as 1 pass, 0 fail, -1 unknown (the lookup itself failed).
    for (const check of ['spf', 'dkim', 'dmarc'] as const) {
      const state = dns[check];
      summary.metrics.push({
        name: 'vigie_deliverability_dns_auth',
        value: state === 'pass' ? 1 : state === 'fail' ? 0 : -1,
        labels: { ...labels, check },
      });
    }

    // A paused domain sends nothing more: its rates are known and acted on, so no page.
    if (health.score === 'red' && !row.paused) {
      const worst = health.failing[0];
      const window = worst?.signal.endsWith('7d') ? '7d' : '24h';
      const counts = window === '7d' ? last7d : last24h;
      await raiseAndRecord(
        deps,
        summary.alertsRaised,
        'deliverability-domain-red',
        {
          sendingDomainId: row.id,
          domain: row.domain,
          signal: worst?.signal ?? 'unknown',
          bouncePercent: counts.sent === 0 ? 0 : round((counts.bounces / counts.sent) * 100, 2),
          complaintPercent:
            counts.sent === 0 ? 0 : round((counts.complaints / counts.sent) * 100, 3),
          window,
        },
        now,
      );
    }
    for (const mechanism of ['spf', 'dkim', 'dmarc'] as const) {
      if (dns[mechanism] === 'fail') {
        await raiseAndRecord(
          deps,
          summary.alertsRaised,
          'deliverability-auth-failing',
          { sendingDomainId: row.id, domain: row.domain, mechanism, result: 'fail' },
          now,
        );
      }
    }
  }
  // One degraded alert for DNS however many domains it failed on.
  if (dnsFailures[0])
    summary.unread.push({
      ...dnsFailures[0],
      message: `${dnsFailures.length} DNS lookups failed; first: ${dnsFailures[0].message}`,
    });
  return finish(deps, summary, now);
}

const MAX_DNS_FAILURES = 3;

async function authenticate(
  deps: DeliverabilityDeps,
  domain: string,
  failures: Unread[],
): Promise<DnsAuthResult> {
  const read = async (name: string, check: (records: string[]) => 'pass' | 'fail') => {
    // A resolver that is down would cost every lookup its timeout: after a few failures the
    // rest of the run marks DNS unknown at once (the run is degraded either way).
    if (failures.length >= MAX_DNS_FAILURES) return 'unknown' as const;
    try {
      return check(await deps.lookupTxt(name));
    } catch (error) {
      failures.push(unreadFrom('dns', error));
      return 'unknown' as const;
    }
  };
  const spf = await read(domain, checkSpf);
  const dmarc = await read(`_dmarc.${domain}`, checkDmarc);
  let dkim: DnsAuthResult['dkim'] = 'fail';
  for (const selector of deps.dkimSelectors) {
    const result = await read(`${selector}._domainkey.${domain}`, checkDkim);
    if (result === 'pass') {
      dkim = 'pass';
      break;
    }
    if (result === 'unknown') dkim = 'unknown';
  }
  return { spf, dkim, dmarc };
}
