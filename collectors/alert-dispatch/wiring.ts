import { createDispatcher } from '../../adapters/alerts/dispatcher.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { DEFAULT_BUDGET_MS, DEFAULT_POLL_MS, reserveFor, run } from './run.ts';

/** Short ticks: ≤ 10 paced posts, 5 s per Slack call. */
const MAX_SENDS_PER_TICK = 10;
const SEND_TIMEOUT_MS = 5_000;

export const runner: CollectorRunner = async (config, now, invocation) => {
  const c = requireSettings(
    config,
    ['DATABASE_URL', 'SLACK_WEBHOOK_URL'],
    'The alert-dispatch collector',
  );
  const transport = c.SMTP_URL ? createSmtpTransport(c.SMTP_URL) : undefined;
  try {
    return await withPool(c.DATABASE_URL, (db) =>
      run(
        {
          db,
          raise,
          dispatcher: createDispatcher({
            pool: db,
            webhookUrl: c.SLACK_WEBHOOK_URL,
            emailTransport: transport,
            emailFrom: c.MAIL_FROM,
            emailTo: c.ALERT_EMAIL_TO,
            runbookBaseUrl: c.ALERT_RUNBOOK_BASE_URL,
            dashboardUrl: c.ALERT_DASHBOARD_URL,
            stage: c.VIGIE_STAGE,
            maxSendsPerTick: MAX_SENDS_PER_TICK,
            timeoutMs: SEND_TIMEOUT_MS,
          }),
          budgetMs: DEFAULT_BUDGET_MS,
          pollMs: DEFAULT_POLL_MS,
          // The Lambda's time left bounds the run as well as the budget (run.ts says why).
          remainingMs: invocation?.remainingMs,
          reserveMs: reserveFor({ maxSends: MAX_SENDS_PER_TICK, sendTimeoutMs: SEND_TIMEOUT_MS }),
          elapsedMs: () => performance.now(),
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        },
        now,
      ),
    );
  } finally {
    transport?.close();
  }
};
