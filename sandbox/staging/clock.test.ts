import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStagingClock, every } from './clock.ts';

describe('staging clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps real time until started, then runs `scale` times faster from there', () => {
    let real = Date.parse('2026-11-26T09:00:00Z');
    const clock = createStagingClock(60, () => real);
    expect(clock.now().toISOString()).toBe('2026-11-26T09:00:00.000Z');
    // The seed takes two minutes: the clock has not run ahead of what it stamped.
    real += 120_000;
    expect(clock.now().toISOString()).toBe('2026-11-26T09:02:00.000Z');
    clock.start();
    expect(clock.origin).toBe(Date.parse('2026-11-26T09:02:00Z'));
    real += 1_000;
    expect(clock.now().toISOString()).toBe('2026-11-26T09:03:00.000Z');
    // A second start changes nothing.
    clock.start();
    real += 1_000;
    expect(clock.now().toISOString()).toBe('2026-11-26T09:04:00.000Z');
    expect(clock.origin).toBe(Date.parse('2026-11-26T09:02:00Z'));
    expect(clock.toRealMs(60_000)).toBe(1_000);
  });

  it('never runs two ticks at once and waits for the one in flight on stop', async () => {
    vi.useFakeTimers();
    let running = 0;
    let maxRunning = 0;
    let finished = 0;
    let release: () => void = () => {};
    const loop = every(
      100,
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => (release = r));
        running -= 1;
        finished += 1;
      },
      () => {},
    );
    await vi.advanceTimersByTimeAsync(550); // five beats, one slow tick
    expect(maxRunning).toBe(1);
    const stopped = loop.stop();
    release();
    await stopped;
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(finished).toBe(1);
  });
});
