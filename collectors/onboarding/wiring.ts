import { raise } from '../../adapters/alerts/outbox.ts';
import { createDnsLookup } from '../../adapters/dns/records.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(
    config,
    ['DATABASE_URL', 'TRACKING_CNAME_TARGET'],
    'The onboarding collector',
  );
  const dns = createDnsLookup(c.DNS_RESOLVER ? { server: c.DNS_RESOLVER } : {});
  return withPool(c.DATABASE_URL, (db) =>
    run(
      {
        db,
        raise,
        dns,
        dkimSelectors: c.DKIM_SELECTORS.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        tracking: { host: c.TRACKING_CNAME_HOST, target: c.TRACKING_CNAME_TARGET },
        graceHours: c.ONBOARDING_DOMAIN_GRACE_HOURS,
      },
      now,
    ),
  );
};
