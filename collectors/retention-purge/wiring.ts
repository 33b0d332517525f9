import { raise } from '../../adapters/alerts/outbox.ts';
import { requestErasure } from '../../adapters/privacy/erasure.ts';
import { withErasure } from '../shared/erasure-wiring.ts';
import type { CollectorRunner } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = (config, now) =>
  withErasure(config, 'The retention-purge collector', (db, base) =>
    run({ db, raise, erase: (input) => requestErasure({ ...base, now }, input) }, now),
  );
