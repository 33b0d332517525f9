import type { Command } from 'commander';
import { auditAction } from '../../adapters/ops/audit.ts';
import { alerts } from '../../core/catalog/alerts.ts';
import { parseConfig, requireSettings } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { outboxSummary } from '../../adapters/alerts/outbox-summary.ts';
import { commandClock } from '../../core/staging-time.ts';
import { createDispatcher, DispatchLoopFailed } from '../../adapters/alerts/dispatcher.ts';
import { describeError } from '../../core/describe-error.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { poolFromEnv } from './migrate.ts';

/**
 * `vigie alerts list [--json]`: the alert catalog.
 * `vigie alerts outbox [--json]`: pending, sent, dead and suppressed counts and recent rows.
 * `vigie alerts dispatch [--once]`: deliver the outbox to Slack (and email for critical).
 */
export function register(program: Command): void {
  const group = program.command('alerts').description('The alert catalog and the alert outbox');
  const out = (line: string) => process.stdout.write(`${line}\n`);

  group
    .command('list')
    .description('Every alert Vigie can raise, with severity, route and runbook')
    .option('--json', 'print the catalog as JSON')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        out(JSON.stringify(alerts, null, 2));
        return;
      }
      const width = Math.max(...alerts.map((a) => a.id.length));
      for (const a of alerts) {
        out(
          `${a.id.padEnd(width)}  ${a.severity.padEnd(8)} ${a.route.padEnd(11)} runbooks/${a.runbook}.md`,
        );
        out(`${' '.repeat(width)}  ${a.summary}`);
      }
      out(`${alerts.length} alerts`);
    });

  group
    .command('outbox')
    .description(
      'Alert outbox: pending, sent, dead and suppressed counts, dead letters, recent rows',
    )
    .option('--json', 'print the summary as JSON')
    .option('--limit <n>', 'recent rows to show', '20')
    .action(async (options: { json?: boolean; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new VigieError(
          'BAD_REQUEST',
          `--limit must be a whole number from 1 to 1000 (got "${options.limit}").`,
        );
      }
      const pool = poolFromEnv(process.env);
      try {
        const summary = await outboxSummary(pool, { now: new Date(), limit });
        if (options.json) {
          out(JSON.stringify(summary, null, 2));
          return;
        }
        const c = summary.counts;
        out(`pending ${c.pending}  sent ${c.sent}  dead ${c.dead}  suppressed ${c.suppressed}`);
        out(
          `overdue ${summary.overdue}  email pending ${summary.emailPending}  dead letters ${summary.deadLetters}`,
        );
        for (const ch of summary.channels) {
          const health = ch.deadCode
            ? `DEAD (${ch.deadCode})`
            : ch.failures > 0
              ? `retrying (${ch.failures})`
              : 'ok';
          out(
            `webhook ${ch.channel}: ${health}; last probe ${ch.lastProbeAt ?? 'never'} ${ch.lastProbeOk === false ? 'FAILED' : ''}`.trimEnd(),
          );
        }
        for (const r of summary.recent) {
          out(
            `#${r.id} ${r.state.padEnd(10)} ${r.severity.padEnd(8)} ${r.dedupKey} ×${r.occurrences} last ${r.lastRaisedAt}${r.lastError ? ` error ${r.lastError}` : ''}`,
          );
        }
      } finally {
        await pool.end();
      }
    });

  group
    .command('probe')
    .description(
      'Probe the Slack webhook now: a good answer revives a dead webhook (resolves slack-webhook-dead) and waiting alerts drain',
    )
    .action(async () => {
      const config = requireSettings(
        parseConfig(process.env),
        ['DATABASE_URL', 'SLACK_WEBHOOK_URL'],
        'vigie alerts probe',
      );
      const pool = createPool(config.DATABASE_URL, { max: 2 });
      // Against a sped-up local staging, its clock: pacing times in the outbox are in it.
      const clock = commandClock(config);
      const dispatcher = createDispatcher({
        pool,
        webhookUrl: config.SLACK_WEBHOOK_URL,
        runbookBaseUrl: config.ALERT_RUNBOOK_BASE_URL,
        stage: config.VIGIE_STAGE,
        now: clock.now,
        sleep: clock.sleep,
        minIntervalMs: 1_000 * clock.scale,
        maxInlineWaitMs: 2_000 * clock.scale,
      });
      try {
        // A 429, or the running dispatcher holding the channel ('busy'), is no verdict on the
        // webhook (they share its 1 message/s): try again after a real second, a few times,
        // before saying it still fails.
        const notAVerdict = new Set(['rate_limited', 'busy']);
        let result = await dispatcher.probe();
        for (let i = 0; i < 5 && !result.ok && notAVerdict.has(result.code); i += 1) {
          await new Promise((r) => setTimeout(r, 1_500));
          result = await dispatcher.probe();
        }
        // A runbook action: audited (ids only), safe to repeat (a probe is one short message).
        await auditAction(pool, {
          action: 'runbook.alerts_probe',
          userId: null,
          subject: `channel:${dispatcher.channel}`,
          at: new Date(),
        });
        // Busy to the end: say which session holds the channel (state, wait, transaction age,
        // the statement's start), so a stuck lock is seen rather than guessed.
        const holder =
          result.code === 'busy'
            ? await pool
                .query<{ line: string }>(
                  `select coalesce(a.state, '?') || ', waiting ' || coalesce(a.wait_event_type || ':' || a.wait_event, 'no')
                          || ', transaction ' || coalesce(extract(epoch from clock_timestamp() - a.xact_start)::int::text, '?')
                          || ' s, ' || left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 70) as line
                     from pg_locks l join pg_stat_activity a on a.pid = l.pid
                    where l.relation = 'alert_channels'::regclass and l.granted and l.pid <> pg_backend_pid()
                      and l.mode = 'RowShareLock'
                    limit 3`,
                )
                .then((r) => r.rows.map((x) => x.line).join(' | '))
                .catch(() => '')
            : '';
        out(
          result.ok
            ? `webhook ${dispatcher.channel} answered ok: alerts flow again`
            : `webhook ${dispatcher.channel} still failing: ${result.code}${result.status ? ` (HTTP ${result.status})` : ''}${holder ? ` (held by: ${holder})` : ''}`,
        );
        if (!result.ok) process.exitCode = 1;
      } finally {
        await pool.end();
      }
    });

  group
    .command('dispatch')
    .description('Deliver due alerts to Slack (critical also by email); polls every second')
    .option('--once', 'run one tick and exit')
    .option(
      '--max-failures <n>',
      'failed ticks in a row (retried with back-off, 1 s doubling) before giving up with exit 1',
      '5',
    )
    .action(async (options: { once?: boolean; maxFailures: string }) => {
      const maxFailures = Number(options.maxFailures);
      if (!Number.isInteger(maxFailures) || maxFailures < 1 || maxFailures > 1000) {
        throw new VigieError(
          'BAD_REQUEST',
          `--max-failures must be a whole number from 1 to 1000 (got "${options.maxFailures}").`,
        );
      }
      const config = requireSettings(
        parseConfig(process.env),
        ['DATABASE_URL', 'SLACK_WEBHOOK_URL'],
        'vigie alerts dispatch',
      );
      const pool = createPool(config.DATABASE_URL, { max: 2 });
      const mail = config.SMTP_URL ? createSmtpTransport(config.SMTP_URL) : undefined;
      const dispatcher = createDispatcher({
        pool,
        webhookUrl: config.SLACK_WEBHOOK_URL,
        emailTransport: mail,
        emailFrom: config.MAIL_FROM,
        emailTo: config.ALERT_EMAIL_TO,
        runbookBaseUrl: config.ALERT_RUNBOOK_BASE_URL,
        dashboardUrl: config.ALERT_DASHBOARD_URL,
        stage: config.VIGIE_STAGE,
      });
      const cannotDispatch = (failures: number, cause: unknown) =>
        new VigieError(
          'UNAVAILABLE',
          `vigie alerts dispatch stopped: ${failures} tick(s) in a row failed, the last with: ${describeError(cause)}. ` +
            `The alert outbox is in the database at DATABASE_URL (${databaseHost(config.DATABASE_URL)}): ` +
            'check that it is up and reachable and that the migrations ran (`npx vigie migrate`); for local staging, ' +
            'run `npm start` and load its settings (`set -a; . .vigie/staging.env; set +a`). Then run it again.',
          { cause },
        );
      try {
        if (options.once) {
          const summary = await dispatcher.tick().catch((error: unknown) => {
            throw cannotDispatch(1, error);
          });
          out(JSON.stringify(summary));
          return;
        }
        const running = dispatcher.start({
          pollMs: 1_000,
          maxConsecutiveFailures: maxFailures,
          log: (line) => process.stderr.write(`vigie: ${line}\n`),
        });
        const signalled = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        try {
          await Promise.race([running.done, signalled]);
        } catch (error) {
          if (error instanceof DispatchLoopFailed)
            throw cannotDispatch(error.failures, error.cause);
          throw error;
        } finally {
          await running.stop();
        }
      } finally {
        mail?.close();
        await pool.end();
      }
    });
}

/** `host:port/db` of a connection string, without user or password. */
function databaseHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'unparseable URL';
  }
}
