import type pg from 'pg';
import { backoffMs, defaultBackoff, type BackoffOptions } from '../../core/alerting/backoff.ts';
import { buildAlertEmail } from '../../core/alerting/email-message.ts';
import { findAlert } from '../../core/alerting/labels.ts';
import { withTransaction } from '../postgres/pool.ts';
import type { EmailTransport } from './email.ts';
import type { OutboxRow } from './outbox.ts';

/**
 * The dispatcher's second route: critical alerts by email. One call claims the oldest due
 * email of the outbox (`for update skip locked`, so several dispatchers never send one twice),
 * sends it and records the outcome in the same transaction. A refused or failed send is an
 * outcome, not an error: the row gets its next attempt by back-off and the transaction commits.
 * Only a database failure throws (and rolls back: the row stays due).
 */
export interface EmailStepOptions {
  pool: pg.Pool;
  transport: EmailTransport;
  from: string;
  to: string;
  now: () => Date;
  backoff?: BackoffOptions;
  random?: (() => number) | undefined;
  runbookBaseUrl?: string | undefined;
  stage?: string | undefined;
}

export type EmailStepResult = 'sent' | 'failed' | 'idle';

export function createEmailStep(options: EmailStepOptions): () => Promise<EmailStepResult> {
  const backoff = options.backoff ?? defaultBackoff;
  return () =>
    withTransaction(options.pool, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        `select * from alert_outbox
          where email_state = 'pending' and email_due_at <= $1
          order by email_due_at, id limit 1 for update skip locked`,
        [options.now()],
      );
      const row = rows[0];
      if (!row) return 'idle';
      const mail = buildAlertEmail({
        alert: findAlert(row.alert_id),
        labels: row.labels,
        occurrences: row.occurrences,
        firstRaisedAt: row.first_raised_at,
        runbookBaseUrl: options.runbookBaseUrl,
        stage: options.stage,
      });
      try {
        await options.transport.sendMail({ from: options.from, to: options.to, ...mail });
      } catch (error) {
        const attempts = row.email_attempts + 1;
        const code = (error as { code?: unknown }).code;
        await client.query(
          `update alert_outbox set email_attempts = $2, email_due_at = $3, last_error = $4
            where id = $1`,
          [
            row.id,
            attempts,
            new Date(options.now().getTime() + backoffMs(attempts, backoff, options.random)),
            `email:${typeof code === 'string' ? code : 'error'}`,
          ],
        );
        return 'failed';
      }
      await client.query(
        `update alert_outbox
            set email_state = 'sent', emailed_at = $2, email_attempts = email_attempts + 1
          where id = $1`,
        [row.id, options.now()],
      );
      return 'sent';
    });
}
