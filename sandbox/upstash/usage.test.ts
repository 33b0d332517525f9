import { describe, expect, it } from 'vitest';
import { billableCommands, createUsageCounter } from './usage.ts';

const at = (iso: string) => new Date(iso);

describe('usage counted as Upstash bills it', () => {
  it('every command counts, each one of a pipeline too, except INFO, PING and AUTH', () => {
    expect(billableCommands([['SET', 'k', 'v']])).toBe(1);
    expect(
      billableCommands([
        ['SET', 'k', 'v'],
        ['INCR', 'n'],
        ['GET', 'k'],
      ]),
    ).toBe(3);
    expect(billableCommands([['PING'], ['INFO', 'memory'], ['AUTH', 'x'], ['GET', 'k']])).toBe(1);
    expect(billableCommands([['ping']])).toBe(0);
    expect(billableCommands([])).toBe(0);
  });

  it('per UTC day, from the first of the month to today; earlier months drop out', () => {
    const usage = createUsageCounter();
    usage.record({ commands: [['GET', 'a']], bytes: 100, at: at('2026-10-31T23:59:59Z') });
    usage.record({
      commands: [
        ['GET', 'a'],
        ['SET', 'b', '1'],
      ],
      bytes: 40,
      at: at('2026-11-01T00:00:00Z'),
    });
    usage.record({ commands: [['PING']], bytes: 10, at: at('2026-11-03T12:00:00Z') });
    usage.addBytes(25, at('2026-11-03T13:00:00Z'));
    const snap = usage.snapshot(at('2026-11-03T18:00:00Z'));
    expect(snap.days).toEqual([
      { day: '2026-11-01', commands: 2, bandwidthBytes: 40 },
      { day: '2026-11-02', commands: 0, bandwidthBytes: 0 },
      { day: '2026-11-03', commands: 0, bandwidthBytes: 35 },
    ]);
    expect(snap.monthlyRequests).toBe(2);
    expect(snap.monthlyBandwidthBytes).toBe(75);
  });
});
