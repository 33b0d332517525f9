import { describe, expect, it } from 'vitest';
import { collectorWirings } from '../../collectors/registry.ts';
import { parseConfig } from '../../core/config.ts';
import type { Telemetry } from '../../telemetry/init.ts';
import { createStagingClock } from './clock.ts';
import { createStagingScheduler, RUN_BY_STAGING_LOOPS } from './loops.ts';

describe('staging collector scheduler', () => {
  it('schedules every collector with a runner except alert-dispatch, which the dispatcher loop is', () => {
    expect(collectorWirings['alert-dispatch']).toBeDefined();
    const scheduler = createStagingScheduler({
      config: parseConfig({ VIGIE_STAGE: 'local' }),
      clock: createStagingClock(),
      // Never invoked here: only the schedule is inspected.
      telemetry: {} as Telemetry,
      heartbeatUrls: {},
      log: () => {},
    });
    const scheduled = Object.keys(scheduler.next()).sort();
    expect(scheduled).not.toContain('alert-dispatch');
    expect(scheduled).toEqual(
      Object.keys(collectorWirings)
        .filter((n) => !RUN_BY_STAGING_LOOPS.includes(n))
        .sort(),
    );
  });
});
