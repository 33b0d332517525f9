import { createDispatcher } from '../../adapters/alerts/dispatcher.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { DEFAULT_BUDGET_MS, DEFAULT_POLL_MS, run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
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
            // Short ticks, so the last one started near the 50 s budget ends well before
            // the Lambda timeout (set it to ≥ 90 s): ≤ 10 paced posts, 5 s per Slack call.
            maxSendsPerTick: 10,
            timeoutMs: 5_000,
          }),
          budgetMs: DEFAULT_BUDGET_MS,
          pollMs: DEFAULT_POLL_MS,
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
