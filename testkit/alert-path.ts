import type pg from 'pg';
import { createSmtpTransport } from '../adapters/alerts/email.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { type SlackStandIn, startSlackStandIn } from '../sandbox/slack/server.ts';
import { type SmtpStandIn, startSmtpStandIn } from '../sandbox/smtp/server.ts';
import { createTestDatabase, type TestDatabase } from './pg.ts';

/**
 * The alert path on loopback for tests: a migrated database, the Slack stand-in on the clock the
 * test drives (`clock.t`, epoch ms; the dispatcher's `now` and `sleep` read the same object), and
 * the SMTP stand-in with a nodemailer transport.
 */
export interface AlertPath {
  db: TestDatabase;
  pool: pg.Pool;
  slack: SlackStandIn;
  smtp: SmtpStandIn;
  mailer: ReturnType<typeof createSmtpTransport>;
  /** Empties the outbox tables and the stand-ins' records, and rewinds the clock to `t0`. */
  reset(t0: number): Promise<void>;
  close(): Promise<void>;
}

export async function startAlertPath(options: {
  clock: { t: number };
  poolMax?: number;
}): Promise<AlertPath> {
  const { clock } = options;
  const db = await createTestDatabase();
  const pool = createPool(db.url, { max: options.poolMax ?? 6 });
  await migrate(pool);
  const slack = await startSlackStandIn({ now: () => clock.t });
  const smtp = await startSmtpStandIn();
  const mailer = createSmtpTransport(smtp.url);
  return {
    db,
    pool,
    slack,
    smtp,
    mailer,
    async reset(t0) {
      await pool.query(
        'truncate alert_outbox, alert_channels, alert_dead_letters restart identity',
      );
      slack.messages.length = 0;
      slack.attempts.length = 0;
      slack.setMode({ kind: 'ok' });
      smtp.messages.length = 0;
      clock.t = t0;
    },
    async close() {
      mailer.close();
      await slack.close();
      await smtp.close();
      await pool.end();
      await db.drop();
    },
  };
}
