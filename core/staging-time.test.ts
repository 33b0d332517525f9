import { describe, expect, it } from 'vitest';
import { commandClock } from './staging-time.ts';

describe('commandClock', () => {
  it('runs on the staging clock when the staging wrote its origin', () => {
    const origin = Date.parse('2026-11-30T12:00:00Z');
    const clock = commandClock(
      { VIGIE_TIME_SCALE: 600, VIGIE_CLOCK_ORIGIN: '2026-11-30T12:00:00.000Z' },
      () => origin + 10_000,
    );
    // Ten real seconds at 600× are 100 staging minutes.
    expect(clock.now().toISOString()).toBe('2026-11-30T13:40:00.000Z');
    expect(clock.scale).toBe(600);
  });

  it('is real time without an origin, whatever the scale', () => {
    const clock = commandClock({ VIGIE_TIME_SCALE: 600 }, () => 1_000);
    expect(clock.now().getTime()).toBe(1_000);
    expect(clock.scale).toBe(1);
  });
});
