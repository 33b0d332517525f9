/**
 * The concrete fault switches of a local staging: the stand-ins' own knobs (Slack, n8n, Upstash,
 * DNS, Anthropic) and the faults that live in the data or the database (a bounce spike on one
 * domain, a revoked calendar, a session holding a lock, an index dropped, a collector crashing).
 * Each `clear` puts back what its modes changed, so a drill or a person can always undo.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Pool } from '../../adapters/postgres/pool.ts';
import { VigieError } from '../../core/errors.ts';
import type { FaultSwitches } from '../faults.ts';
import type { ObservabilityStandIns } from './observability.ts';
import type { ProviderStandIns } from './providers.ts';
import type { UpstashBridge } from '../upstash/bridge.ts';

export interface FaultTargets {
  pool: Pool;
  databaseUrl: string;
  standIns: ProviderStandIns & ObservabilityStandIns & { upstash: UpstashBridge };
  now: () => Date;
  /** Collector names the staging scheduler makes throw (the "collector crashing" fault). */
  crashing: Set<string>;
  /** Re-publishes a domain's five DNS records (the "customer fixed DNS" undo). */
  republishDomain: (domain: string) => void;
  /** The latest signed audit checkpoint, as stored (the audit-chain fault picks an anchored chain). */
  latestCheckpoint?: () => Promise<unknown>;
  /** The app's base URL and the browser DSN its Sentry tunnel accepts (the frontend faults). */
  app?: { url: string; browserDsn: string | undefined };
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createFaultSwitches(t: FaultTargets): FaultSwitches {
  const switches: FaultSwitches = {};
  const { slack, n8n, dns, anthropic, upstash } = t.standIns;

  if (slack) {
    switches.slack = {
      description: 'The Slack incoming webhook stand-in',
      modes: {
        outage: {
          description: 'every post answers 503',
          apply: async () => slack.setMode({ kind: 'outage', style: '503' }),
        },
        dead: {
          description: 'the webhook was removed: 404 no_service (terminal)',
          apply: async () => slack.setMode({ kind: 'terminal', code: 'no_service' }),
        },
        archived: {
          description: 'the channel was archived: 410 channel_is_archived (terminal)',
          apply: async () => slack.setMode({ kind: 'terminal', code: 'channel_is_archived' }),
        },
      },
      clear: async () => slack.setMode({ kind: 'ok' }),
    };
  }

  if (n8n) {
    const reset = () =>
      Object.assign(n8n.faults, {
        outage: false,
        latencyMs: 0,
        failureRate: 0,
        failureStatus: 'error',
        rateLimitedRequests: 0,
        apiErrors: false,
      });
    switches.n8n = {
      description: 'The n8n stand-in (public API and the scrape-and-enrich workflow)',
      modes: {
        outage: {
          description: 'every request answers 503',
          apply: async () => void (n8n.faults.outage = true),
        },
        'phantombuster-5xx': {
          description: 'the workflow fails: PhantomBuster answers 5xx (executions end in error)',
          apply: async () =>
            void Object.assign(n8n.faults, { failureRate: 1, failureStatus: 'error' }),
        },
        'claude-timeout': {
          description: 'the workflow crashes: the Claude node times out (executions end crashed)',
          apply: async () =>
            void Object.assign(n8n.faults, { failureRate: 1, failureStatus: 'crashed' }),
        },
        'rate-limited': {
          description: 'the next 1,000 API requests answer 429',
          apply: async () => void (n8n.faults.rateLimitedRequests = 1_000),
        },
        'api-5xx': {
          description:
            'the public API answers 500 (listing and deleting executions: the erasure step fails); workflows still run',
          apply: async () => void (n8n.faults.apiErrors = true),
        },
      },
      clear: async () => void reset(),
    };
  }

  if (upstash) {
    switches.upstash = {
      description: 'The Upstash REST bridge',
      modes: {
        outage: {
          description: 'every request answers 503',
          apply: async () => void (upstash.faults.outage = true),
        },
        slow: {
          description: '2 s latency on every request',
          apply: async () => void (upstash.faults.latencyMs = 2_000),
        },
      },
      clear: async () => void Object.assign(upstash.faults, { outage: false, latencyMs: 0 }),
    };
  }

  if (anthropic) {
    switches.anthropic = {
      description: 'The Anthropic stand-in',
      modes: {
        'spend-cap': {
          description: 'messages answer the spend-cap error',
          apply: async () => void (anthropic.spendCap.reached = true),
        },
      },
      clear: async () => void (anthropic.spendCap.reached = false),
    };
  }

  if (dns) {
    const removed = new Set<string>();
    switches.dns = {
      description: 'The DNS stand-in (TXT, MX, CNAME)',
      modes: {
        'remove-dkim': {
          description: "removes a sending domain's DKIM record (every selector)",
          args: ['domain'],
          apply: async ({ domain }) => {
            const name = domain!.toLowerCase();
            for (const key of [...dns.zone.keys()]) {
              if (key.endsWith(`._domainkey.${name}`)) dns.remove(key);
            }
            removed.add(name);
          },
        },
        servfail: {
          description: 'every query answers SERVFAIL',
          apply: async () => void (dns.faults.mode = 'servfail'),
        },
        'no-answer': {
          description: 'queries are dropped (timeouts)',
          apply: async () => void (dns.faults.mode = 'no-answer'),
        },
      },
      clear: async () => {
        dns.faults.mode = 'none';
        for (const domain of removed) t.republishDomain(domain);
        removed.clear();
      },
    };
  }

  const injected: string[] = [];
  switches.email = {
    description: 'Email events (the sending provider reporting back)',
    modes: {
      'bounce-spike': {
        description: 'one domain gets 300 sends, 45 bounces and 5 complaints in the last hour',
        args: ['domain'],
        apply: async ({ domain }) => {
          const { rows } = await t.pool.query<{
            id: string;
            user_id: string;
            prospect_id: string | null;
          }>(
            `select d.id, d.user_id,
                    (select p.id from public.prospects p where p.user_id = d.user_id limit 1) as prospect_id
               from public.sending_domains d where lower(d.domain) = lower($1) limit 1`,
            [domain],
          );
          const d = rows[0];
          if (!d || !d.prospect_id)
            throw new VigieError('NOT_FOUND', `No sending domain "${domain}" with prospects.`);
          const tag = `drill-${Date.now().toString(36)}`;
          const at = new Date(t.now().getTime() - 10 * 60_000);
          await t.pool.query(
            `insert into public.email_events
               (user_id, prospect_id, sending_domain_id, type, occurred_at, message_id)
             select $1, $2, $3, k.type, $4, $5 || '-' || row_number() over ()
               from (select 'sent' as type from generate_series(1, 300)
                     union all select 'bounce' from generate_series(1, 45)
                     union all select 'complaint' from generate_series(1, 5)) k`,
            [d.user_id, d.prospect_id, d.id, at, tag],
          );
          injected.push(tag);
          return { sendingDomainId: d.id };
        },
      },
    },
    clear: async () => {
      // The spike's events stay: mail that bounced did bounce. Clearing stops injecting only.
      injected.length = 0;
    },
  };

  const calendars = new Map<string, { status: string; reconnect: Date | null }>();
  switches.calendar = {
    description: 'Calendar connections (the provider side of OAuth)',
    modes: {
      revoke: {
        description: 'the user revoked access at the provider: the next refresh gets invalid_grant',
        args: ['connection'],
        apply: async ({ connection }) => {
          const { rows } = await t.pool.query<{
            status: string;
            reconnect_requested_at: Date | null;
          }>(
            `select status, reconnect_requested_at from public.calendar_connections where id::text = $1`,
            [connection],
          );
          if (!rows[0]) throw new VigieError('NOT_FOUND', `No calendar connection ${connection}.`);
          calendars.set(connection!, {
            status: rows[0].status,
            reconnect: rows[0].reconnect_requested_at,
          });
          // What the app records when the refresh answers invalid_grant: revoked, nobody asked yet.
          await t.pool.query(
            `update public.calendar_connections set status = 'revoked', reconnect_requested_at = null
              where id::text = $1`,
            [connection],
          );
        },
      },
    },
    clear: async () => {
      // The user reconnecting is outside our reach; clearing forgets the switch, not the revocation.
      calendars.clear();
    },
  };

  const held: pg.Client[] = [];
  // A client whose backend was terminated may never see its socket close: do not wait on it.
  const closeHeld = async () => {
    const clients = held.splice(0);
    await Promise.all(
      clients.map((c) =>
        Promise.race([c.end().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]),
      ),
    );
  };
  switches.postgres = {
    description: 'The database (sessions, locks, indexes)',
    modes: {
      lock: {
        description:
          'a session opens a transaction, locks a table and sits idle; a second session waits on it',
        args: ['table'],
        apply: async ({ table }) => {
          if (!IDENT.test(table!))
            throw new VigieError('BAD_REQUEST', `"${table}" is not a table name.`);
          const holder = new pg.Client({
            connectionString: t.databaseUrl,
            application_name: 'drill-holder',
          });
          const waiter = new pg.Client({
            connectionString: t.databaseUrl,
            application_name: 'drill-waiter',
          });
          for (const c of [holder, waiter]) c.on('error', () => {});
          await holder.connect();
          await waiter.connect();
          held.push(holder, waiter);
          const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid'))
            .rows[0]!.pid;
          await holder.query('begin');
          await holder.query(`lock table public.${table} in access exclusive mode`);
          void waiter.query(`select count(*) from public.${table}`).catch(() => {});
          return { blockingPid: pid };
        },
      },
      'drop-index': {
        description: "drops one of the migrations' indexes",
        args: ['index'],
        apply: async ({ index }) => {
          if (!IDENT.test(index!))
            throw new VigieError('BAD_REQUEST', `"${index}" is not an index name.`);
          await t.pool.query(`drop index if exists public.${index}`);
        },
      },
    },
    clear: closeHeld,
  };

  // Tampering as someone holding the owner's credentials would: triggers bypassed for the
  // session (`session_replication_role`), the row kept so `clear` can put it back as a restore
  // from backup would.
  let removed: { row: unknown; chain: string; seq: string } | undefined;
  const asOwner = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: t.databaseUrl, application_name: 'drill-audit' });
    await c.connect();
    try {
      await c.query('begin');
      await c.query(`set local session_replication_role = replica`);
      const result = await fn(c);
      await c.query('commit');
      return result;
    } catch (error) {
      await c.query('rollback').catch(() => {});
      throw error;
    } finally {
      await c.end();
    }
  };
  // Deletes the last row of a chain that still ends at the head the latest signed checkpoint
  // holds: `chain` when given, else a user's chain, the one written to least recently.
  const deleteLast = async (named?: string) => {
    if (removed) throw new VigieError('CONFLICT', 'A row is already removed: clear first.');
    if (named !== undefined && !UUID.test(named))
      throw new VigieError('BAD_REQUEST', `"${named}" is not a chain id (a user's UUID).`);
    const chain = named?.toLowerCase();
    const latest = (await t.latestCheckpoint?.()) as
      { heads?: Array<{ userId: string; seq: string }> } | undefined;
    const heads = (latest?.heads ?? []).filter((h) => chain === undefined || h.userId === chain);
    if (heads.length === 0) {
      throw new VigieError(
        'CONFLICT',
        chain === undefined
          ? 'No signed audit checkpoint yet: wait for the audit-anchor collector (hourly) or run `npx vigie audit checkpoint`.'
          : `The latest signed checkpoint has no head for chain ${chain}: run \`npx vigie audit checkpoint\` first.`,
      );
    }
    return asOwner(async (c) => {
      // Never the system chain (no user) unless named: the runbook's own audited actions
      // append to it while the row is out, and the restore would collide with them.
      const { rows } = await c.query<{ id: string; chain: string; seq: string; row: unknown }>(
        `select a.id::text, public.audit_log_chain_key(a.user_id)::text as chain,
                a.chain_seq::text as seq, row_to_json(a) as row
           from jsonb_to_recordset($1::jsonb) as h("userId" text, seq text)
           join lateral (select * from public.audit_log l
                          where public.audit_log_chain_key(l.user_id)::text = h."userId"
                          order by l.chain_seq desc limit 1) a on a.chain_seq::text = h.seq
          where $2 or a.user_id is not null
          order by a.occurred_at, a.id limit 1`,
        [JSON.stringify(heads), chain !== undefined],
      );
      const r = rows[0];
      if (!r) throw new VigieError('CONFLICT', 'No chain ends at its signed head right now.');
      await c.query('delete from public.audit_log where id = $1', [r.id]);
      removed = { row: r.row, chain: r.chain, seq: r.seq };
      return { chainId: r.chain, seq: Number(r.seq) };
    });
  };
  switches.audit = {
    description: 'The audit log (tampering, as with the owner credentials)',
    modes: {
      'delete-last': {
        description:
          "deletes the last row of a user's chain the latest signed checkpoint anchors (kept for clear)",
        apply: () => deleteLast(),
      },
      // A drill names a chain nothing else writes to: a row the app appended in the meantime
      // would take the deleted row's position, and no restore could put it back.
      'delete-last-of': {
        description:
          'deletes the last row of the named chain (a user id), which the latest signed checkpoint anchors (kept for clear)',
        args: ['chain'],
        apply: ({ chain }) => deleteLast(chain),
      },
    },
    clear: async () => {
      const r = removed;
      if (!r) return;
      await asOwner(async (c) => {
        const taken = await c.query(
          `select 1 from public.audit_log
            where public.audit_log_chain_key(user_id)::text = $1 and chain_seq = $2::bigint`,
          [r.chain, r.seq],
        );
        if (taken.rowCount) {
          removed = undefined; // it can never fit again: the switch lets go of it
          throw new VigieError(
            'CONFLICT',
            `Chain ${r.chain} moved on while its row ${r.seq} was out: a new row holds that position, so the backup's row no longer fits and the break stays. Use \`delete-last-of <chain>\` on a chain nothing writes to.`,
          );
        }
        await c.query(
          `insert into public.audit_log overriding system value
           select * from json_populate_record(null::public.audit_log, $1::json)`,
          [JSON.stringify(r.row)],
        );
      });
      removed = undefined;
    },
  };

  if (t.app?.browserDsn) {
    const { url, browserDsn } = { url: t.app.url, browserDsn: t.app.browserDsn };
    const sendError = async (): Promise<boolean> => {
      const eventId = randomUUID().replaceAll('-', '');
      const header = JSON.stringify({ event_id: eventId, dsn: browserDsn });
      const event = JSON.stringify({
        event_id: eventId,
        platform: 'javascript',
        level: 'error',
        release: 'drill-bad-release',
        exception: { values: [{ type: 'TypeError', value: 'x is undefined' }] },
      });
      const response = await fetch(`${url}/monitoring/tunnel`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: `${header}\n${JSON.stringify({ type: 'event' })}\n${event}\n`,
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
      await response?.body?.cancel();
      return response?.ok ?? false;
    };
    let stream: { stop: AbortController; done: Promise<void>; sent: number } | undefined;
    switches.frontend = {
      description: "The frontend's errors (through the app's Sentry tunnel)",
      modes: {
        'error-burst': {
          description:
            'a bad release: page views throw, 10 errors a minute (staging clock) through /monitoring/tunnel until cleared',
          apply: async () => {
            if (stream) return { already: true };
            const stop = new AbortController();
            const s = { stop, sent: 0, done: Promise.resolve() };
            // Twelve page views at a time, each throwing once per 72 s of the staging clock:
            // ten errors a staging minute however fast that clock runs (at 120×, 20 a second;
            // at 600×, 100). Twelve, not four: on a loaded machine a request through the
            // tunnel takes a few hundred milliseconds, and four views in sequence fell short
            // of the rate (a full-size game day at 600× never reached Sentry's threshold).
            const VIEWERS = 12;
            const viewer = async () => {
              while (!stop.signal.aborted) {
                const at = t.now().getTime();
                if (await sendError()) s.sent += 1;
                while (!stop.signal.aborted && t.now().getTime() - at < VIEWERS * 6_000) {
                  await new Promise((r) => setTimeout(r, 2));
                }
              }
            };
            s.done = Promise.all(Array.from({ length: VIEWERS }, () => viewer())).then(() => {});
            stream = s;
            return { errorsPerStagingMinute: 10 };
          },
        },
      },
      clear: async () => {
        const s = stream;
        stream = undefined;
        s?.stop.abort();
        await s?.done;
      },
    };
  }

  switches.collector = {
    description: 'The staging scheduler (a collector that throws on every run)',
    modes: {
      crash: {
        description: 'the named collector throws on every run (its heartbeat gets /fail)',
        args: ['name'],
        apply: async ({ name }) => void t.crashing.add(name!),
      },
    },
    clear: async () => t.crashing.clear(),
  };

  switches.app = {
    description: "The app's process (local staging serves the app from the launcher)",
    modes: {
      'hold-loop': {
        description:
          'the event loop is held busy for <seconds> (≤ 120) from just after this answer, as a handler stuck in a backtracking regex was',
        args: ['seconds'],
        apply: async ({ seconds }) => {
          const ms = Number(seconds) * 1000;
          if (!(ms > 0 && ms <= 120_000))
            throw new VigieError('BAD_REQUEST', `seconds must be in (0, 120], not "${seconds}".`);
          // Later, so that this request is answered first.
          setTimeout(() => {
            const until = performance.now() + ms;
            while (performance.now() < until) {
              // busy, on purpose: nothing else in the process runs meanwhile
            }
          }, 100);
          return { heldMs: ms };
        },
      },
    },
    clear: async () => {}, // a held loop cannot be released early; it ends by itself
  };

  return switches;
}
