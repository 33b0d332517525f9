import { raise } from '../../adapters/alerts/outbox.ts';
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(
    config,
    ['DATABASE_URL', 'BETTERSTACK_BASE_URL', 'BETTERSTACK_API_TOKEN'],
    'The uptime collector',
  );
  const betterstack = createBetterStackClient({
    baseUrl: c.BETTERSTACK_BASE_URL,
    token: c.BETTERSTACK_API_TOKEN,
  });
  return withPool(c.DATABASE_URL, (db) => run({ db, raise, betterstack }, now));
};
