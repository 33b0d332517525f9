import type { Command } from 'commander';
import { createDnsLookup } from '../../adapters/dns/records.ts';
import { checkDomainRecords } from '../../adapters/dns/domain-records.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import { revokeCalendar, userEmail } from '../../adapters/ops/calendar.ts';
import {
  checkPid,
  restoreIndexes,
  stopBackend,
  stopIdleInTransaction,
} from '../../adapters/ops/database.ts';
import { findDomain, setDomainPaused } from '../../adapters/ops/domains.ts';
import { auditAction } from '../../adapters/ops/audit.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../../adapters/postgres/migrate.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { ENDED_STATUSES, requeueFailedExecutions } from '../../adapters/ops/n8n-requeue.ts';
import { parseConfig, requireSettings } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { judgeDomain } from '../../core/onboarding.ts';
import { poolFromEnv } from './migrate.ts';

/**
 * The runbook actions: `vigie domain pause|resume|recheck`, `vigie calendar revoke`, `vigie db
 * cancel|restore-indexes`. Each one writes an audit row when it changes something and says so
 * when there was nothing to do, so running it twice is safe. Output names ids, never people.
 */
const out = (line: string) => process.stdout.write(`${line}\n`);

export function register(program: Command): void {
  registerN8n(program);
  const domain = program.command('domain').description('Runbook actions on a sending domain');
  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    domain
      .command(name)
      .description(
        paused
          ? "Pause the domain's sending (the queue keeps its messages)"
          : "Resume the domain's sending",
      )
      .argument('<name>', 'the sending domain, e.g. mail.acme.com')
      .action(async (domainName: string) =>
        withPool(async (pool) => {
          const { domain: d, changed } = await setDomainPaused(
            pool,
            domainName,
            paused,
            new Date(),
          );
          out(
            changed
              ? `${paused ? 'paused' : 'resumed'} sending for ${d.domain} (${d.id})`
              : `${d.domain} (${d.id}) was already ${paused ? 'paused' : 'sending'}: nothing changed`,
          );
        }),
      );
  }
  domain
    .command('recheck')
    .description('Check the five DNS records now; mark the domain verified when all pass')
    .argument('<name>', 'the sending domain')
    .action(async (domainName: string) =>
      withPool(async (pool) => {
        const config = parseConfig(process.env);
        const d = await findDomain(pool, domainName);
        const checks = await checkDomainRecords(
          {
            dns: createDnsLookup(config.DNS_RESOLVER ? { server: config.DNS_RESOLVER } : {}),
            dkimSelectors: config.DKIM_SELECTORS.split(',')
              .map((s) => s.trim())
              .filter(Boolean),
            tracking: {
              host: config.TRACKING_CNAME_HOST,
              target: config.TRACKING_CNAME_TARGET ?? '',
            },
          },
          d.domain,
        );
        const now = new Date();
        const verdict = judgeDomain(checks, d.created_at, now);
        for (const [record, check] of Object.entries(checks)) out(`  ${record.padEnd(9)} ${check}`);
        if (d.verified_at) {
          out(`${d.domain} was already verified: nothing changed`);
          return;
        }
        if (!verdict.verified) {
          process.exitCode = 1;
          {
            out(
              `${d.domain} not verified: ${verdict.missing.join(', ') || 'DNS did not answer'} still missing`,
            );
            return;
          }
        }
        await pool.query(
          'update public.sending_domains set verified_at = $2, verification_checked_at = $2 where id = $1 and verified_at is null',
          [d.id, now],
        );
        await auditAction(pool, {
          action: 'runbook.domain_verify',
          userId: d.user_id,
          subject: `domain:${d.id}`,
          at: now,
        });
        out(`${d.domain} verified`);
      }),
    );

  program
    .command('calendar')
    .description('Runbook actions on a calendar connection')
    .command('revoke')
    .description(
      'Revoke a broken calendar connection and ask its user to reconnect (email when SMTP_URL is set)',
    )
    .argument('<connection>', 'the calendar connection id (UUID)')
    .action(async (connection: string) =>
      withPool(async (pool) => {
        const { connection: c, changed } = await revokeCalendar(pool, connection, new Date());
        if (!changed) {
          out(`${c.id} was already revoked with a reconnect request: nothing changed`);
          return;
        }
        const config = parseConfig(process.env);
        let asked = 'reconnect requested';
        if (config.SMTP_URL) {
          const to = await userEmail(pool, c.user_id);
          if (to) {
            const transport = createSmtpTransport(config.SMTP_URL);
            try {
              const link = `${config.APP_PUBLIC_URL ?? config.FRONTEND_URL ?? ''}/settings/calendar`;
              await transport.sendMail({
                from: config.MAIL_FROM,
                to,
                subject: 'Please reconnect your calendar',
                text: `Your ${c.provider === 'google' ? 'Google' : 'Microsoft'} calendar connection stopped working, so new meetings are not being added to it.\n\nReconnect it here: ${link}\n`,
              });
              asked = 'reconnect requested by email';
            } finally {
              transport.close();
            }
          }
        }
        out(`revoked ${c.provider} calendar connection ${c.id} of user ${c.user_id}; ${asked}`);
      }),
    );

  const db = program.command('db').description('Runbook actions on the database');
  db.command('cancel')
    .description(
      "Cancel a backend's query (or end its session with --terminate); or every session idle in a transaction",
    )
    .argument('[pid]', 'the backend pid (from `npx vigie diag db`)')
    .option('--terminate', 'end the session, not just its current query')
    .option(
      '--idle-in-transaction',
      'every session idle in a transaction for more than --older-than seconds',
    )
    .option('--older-than <seconds>', 'with --idle-in-transaction', '30')
    .action(
      async (
        pid: string | undefined,
        o: { terminate?: boolean; idleInTransaction?: boolean; olderThan: string },
      ) =>
        withOwnerPool(async (pool) => {
          const now = new Date();
          const terminate = o.terminate === true;
          if (o.idleInTransaction) {
            const seconds = Number(o.olderThan);
            if (!Number.isFinite(seconds) || seconds < 0)
              throw new VigieError('BAD_REQUEST', '--older-than must be a number of seconds.');
            const results = await stopIdleInTransaction(pool, {
              terminate,
              olderThanSeconds: seconds,
              now,
            });
            if (results.length === 0) {
              out('no session idle in a transaction: nothing to do');
              return;
            }
            for (const r of results)
              out(
                `${r.done ? (terminate ? 'terminated' : 'cancelled') : 'could not stop'} backend ${r.pid}`,
              );
            return;
          }
          if (pid === undefined)
            throw new VigieError('BAD_REQUEST', 'Give a backend pid, or --idle-in-transaction.');
          const r = await stopBackend(pool, checkPid(pid), { terminate, now });
          if (!r.found) {
            out(`no such backend ${r.pid} in this database: nothing to do`);
            return;
          }
          out(
            r.done
              ? `${terminate ? 'terminated' : 'cancelled'} backend ${r.pid}`
              : `backend ${r.pid} did not stop (not allowed?)`,
          );
          if (!r.done) process.exitCode = 1;
        }),
    );
  db.command('restore-indexes')
    .description(
      'Recreate every index the migrations define that is missing (create index if not exists)',
    )
    .action(async () =>
      withOwnerPool(async (pool) => {
        const { checked, restored } = await restoreIndexes(
          pool,
          DEFAULT_MIGRATIONS_DIR,
          new Date(),
        );
        if (restored.length === 0) {
          out(`all ${checked} migration indexes present: nothing to do`);
          return;
        }
        for (const name of restored) out(`restored index ${name}`);
      }),
    );
}

export function registerN8n(program: Command): void {
  program
    .command('n8n')
    .description('Runbook actions on n8n workflows')
    .command('requeue')
    .description("Re-run a workflow's failed executions (from our execution ledger), once each")
    .argument('<workflowId>', 'the n8n workflow id (the alert names it)')
    .option('--since-minutes <n>', 'failed executions started in the last n minutes', '60')
    .option('--wait-seconds <n>', 'how long to follow the new executions to their end', '120')
    .action(async (workflowId: string, o: { sinceMinutes: string; waitSeconds: string }) =>
      withPool(async (pool) => {
        const minutes = Number(o.sinceMinutes);
        if (!Number.isFinite(minutes) || minutes <= 0) {
          throw new VigieError('BAD_REQUEST', '--since-minutes must be a positive number.');
        }
        const waitSeconds = Number(o.waitSeconds);
        if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
          throw new VigieError('BAD_REQUEST', '--wait-seconds must be zero or a positive number.');
        }
        const config = parseConfig(process.env);
        const c = requireSettings(config, ['N8N_BASE_URL', 'N8N_API_KEY'], 'n8n requeue');
        const now = new Date();
        const result = await requeueFailedExecutions(
          {
            db: pool,
            n8n: createN8nClient({ baseUrl: c.N8N_BASE_URL, apiKey: c.N8N_API_KEY }),
            webhookUrl: config.N8N_WEBHOOK_BASE_URL ?? c.N8N_BASE_URL,
            now,
            follow: { timeoutMs: waitSeconds * 1_000, pollMs: 1_000 },
          },
          workflowId,
          new Date(now.getTime() - minutes * 60_000),
        );
        const ok = result.requeued.filter((r) => r.status === 'success').length;
        const running = result.requeued.filter((r) => !ENDED_STATUSES.has(r.status)).length;
        const failed = result.requeued.length - ok - running;
        out(
          `${result.failedFound} failed executions in the last ${minutes} min: ${result.requeued.length} requeued (${ok} succeeded, ${failed} failed, ${running} still running after ${waitSeconds} s), ${result.skipped.length} skipped`,
        );
        for (const s of result.skipped) out(`  skipped ${s.executionId}: ${s.reason}`);
        for (const r of result.requeued.filter((x) => x.status !== 'success'))
          out(`  ${r.executionId} → ${r.newExecutionId ?? 'no execution'}: ${r.status}`);
        // A run still going is not a failure: `npx vigie diag n8n` follows it from here.
        if (failed > 0) process.exitCode = 1;
      }),
    );
}

function withOwnerPool(fn: (pool: ReturnType<typeof poolFromEnv>) => Promise<unknown>) {
  return withPool(fn, 'owner');
}

/**
 * Database actions on other sessions (cancel, terminate) and on indexes (DDL) are an operator's:
 * they run as the tables' owner (DATABASE_MIGRATION_URL when set), not as the app role, which
 * may signal only its own backends and has no DDL.
 */
async function withPool(
  fn: (pool: ReturnType<typeof poolFromEnv>) => Promise<unknown>,
  as: 'app' | 'owner' = 'app',
) {
  const pool = poolFromEnv(process.env, { as });
  try {
    await fn(pool);
  } finally {
    await pool.end();
  }
}
