import { raise } from '../../adapters/alerts/outbox.ts';
import { createTxtLookup } from '../../adapters/dns/txt.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(config, ['DATABASE_URL'], 'The deliverability collector');
  const lookupTxt = createTxtLookup(c.DNS_RESOLVER ? { server: c.DNS_RESOLVER } : {});
  const dkimSelectors = c.DKIM_SELECTORS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return withPool(c.DATABASE_URL, (db) => run({ db, raise, lookupTxt, dkimSelectors }, now));
};
