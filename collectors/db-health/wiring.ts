import { raise } from '../../adapters/alerts/outbox.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(config, ['DATABASE_URL'], 'The db-health collector');
  return withPool(c.DATABASE_URL, (db) =>
    run(
      {
        db,
        raise,
        thresholds: {
          blockedSeconds: c.DB_HEALTH_BLOCKED_SECONDS,
          longTransactionSeconds: c.DB_HEALTH_LONG_TRANSACTION_SECONDS,
        },
      },
      now,
    ),
  );
};
