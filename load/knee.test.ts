import { describe, expect, it } from 'vitest';
import { findKnee } from './run.ts';

const step = (users: number, rps: number, p95: number | null) => ({
  users,
  requests: rps * 10,
  throughputPerSecond: rps,
  p50Ms: 5,
  p95Ms: p95 ?? 0,
  p95WithFailuresMs: p95,
  failures: 0,
});

describe('findKnee', () => {
  it('is the last step before throughput stops growing by 10 %', () => {
    expect(findKnee([step(10, 100, 20), step(25, 240, 30), step(50, 250, 80)]).users).toBe(25);
  });
  it('or before p95 (failures counted) passes 500 ms', () => {
    expect(findKnee([step(10, 100, 20), step(25, 300, 900)]).users).toBe(10);
    expect(findKnee([step(10, 100, 20), step(25, 300, null)]).users).toBe(10);
  });
  it('not at a flat step that later steps outgrow', () => {
    const dipThenRise = [step(10, 1633, 15), step(25, 1746, 32), step(50, 1943, 53)];
    expect(findKnee([...dipThenRise, step(100, 2000, 99), step(200, 3318, 153)])).toEqual({
      users: 200,
      reason: 'no knee within the steps run',
    });
    expect(findKnee([...dipThenRise, step(100, 2000, 99)]).users).toBe(50);
  });
  it('says so when no step bends', () => {
    expect(findKnee([step(10, 100, 20), step(25, 250, 30)])).toEqual({
      users: 25,
      reason: 'no knee within the steps run',
    });
  });
});
