import { openSince, raise } from '../../adapters/alerts/outbox.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(
    config,
    ['DATABASE_URL', 'N8N_BASE_URL', 'N8N_API_KEY'],
    'The n8n-failure-rate collector',
  );
  return withPool(c.DATABASE_URL, (db) =>
    run(
      {
        db,
        raise,
        openSince,
        n8n: createN8nClient({ baseUrl: c.N8N_BASE_URL, apiKey: c.N8N_API_KEY }),
      },
      now,
    ),
  );
};
