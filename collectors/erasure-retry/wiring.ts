import { raise } from '../../adapters/alerts/outbox.ts';
import { advanceErasure, dueErasureRequests } from '../../adapters/privacy/erasure.ts';
import { sweepErasures } from '../../adapters/privacy/erasure-sweep.ts';
import { syncSuppressions } from '../../adapters/privacy/suppression-sync.ts';
import { withErasure } from '../shared/erasure-wiring.ts';
import type { CollectorRunner } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = (config, now) =>
  withErasure(config, 'The erasure-retry collector', (db, base) =>
    run(
      {
        db,
        raise,
        due: dueErasureRequests,
        advance: (requestId) => advanceErasure({ ...base, now }, requestId),
        syncSuppressions: () =>
          syncSuppressions(db, { hmacKey: base.keys.suppressionHmacKey, now }),
        sweep: () => sweepErasures({ pool: db, keys: base.keys, now }),
      },
      now,
    ),
  );
