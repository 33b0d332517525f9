import { describe, expect, it } from 'vitest';
import {
  defaultGroupPolicy as policy,
  isMaterial,
  nextNotification,
  openGroup,
  transition,
  type GroupState,
} from './grouping.ts';

const t0 = new Date('2026-11-26T09:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('alert grouping (group wait, group interval, repeat interval, resolve)', () => {
  it('holds the first message for the group wait', () => {
    const g = openGroup(t0, { routed: true });
    expect(nextNotification(g, policy)).toEqual({ kind: 'firing', dueAt: at(policy.groupWaitMs) });
  });

  it('counts repeats into the same group and sends the update one group interval later', () => {
    let g: GroupState = openGroup(t0, { routed: true });
    g = transition(g, { type: 'delivered', at: at(1_000), kind: 'firing', occurrences: 1 }, policy);
    expect(g.state).toBe('sent');
    for (let i = 0; i < 999; i += 1)
      g = transition(g, { type: 'raise', at: at(2_000 + i) }, policy);
    expect(g).toMatchObject({ occurrences: 1_000, state: 'pending' });
    expect(nextNotification(g, policy)).toEqual({
      kind: 'update',
      dueAt: at(1_000 + policy.groupIntervalMs),
    });
  });

  it('repeats an unchanged firing alert after the repeat interval', () => {
    let g = openGroup(t0, { routed: true });
    g = transition(g, { type: 'delivered', at: at(1_000), kind: 'firing', occurrences: 1 }, policy);
    expect(nextNotification(g, policy)).toEqual({
      kind: 'repeat',
      dueAt: at(1_000 + policy.repeatIntervalMs),
    });
  });

  it('never sends an alert resolved inside the group wait', () => {
    const g = transition(openGroup(t0, { routed: true }), { type: 'resolve', at: at(500) }, policy);
    expect(g.state).toBe('suppressed');
    expect(nextNotification(g, policy)).toBeNull();
  });

  it('still sends firing then resolved when resolution comes after the group wait (Slack was down)', () => {
    let g = transition(
      openGroup(t0, { routed: true }),
      { type: 'resolve', at: at(60_000) },
      policy,
    );
    expect(nextNotification(g, policy)?.kind).toBe('firing');
    g = transition(
      g,
      { type: 'delivered', at: at(61_000), kind: 'firing', occurrences: 1 },
      policy,
    );
    expect(nextNotification(g, policy)).toEqual({ kind: 'resolved', dueAt: at(60_000) });
    g = transition(
      g,
      { type: 'delivered', at: at(62_000), kind: 'resolved', occurrences: 1 },
      policy,
    );
    expect(g.state).toBe('sent');
    expect(nextNotification(g, policy)).toBeNull();
  });

  it('records info alerts without routing them', () => {
    const g = openGroup(t0, { routed: false });
    expect(
      nextNotification(transition(g, { type: 'raise', at: at(1) }, policy), policy),
    ).toBeNull();
  });

  it('refuses a raise on a closed group and ignores a second resolve', () => {
    const g = transition(openGroup(t0, { routed: true }), { type: 'resolve', at: at(1) }, policy);
    expect(() => transition(g, { type: 'raise', at: at(2) }, policy)).toThrow(/closed group/);
    expect(transition(g, { type: 'resolve', at: at(3) }, policy)).toBe(g);
  });
});

describe("what a raise of a firing alert is worth (the alert's `updates`)", () => {
  const cache = { label: 'percent', worse: 'lower', steps: [95, 90, 80] } as const;

  it('count: every raise; none: never', () => {
    expect(isMaterial(undefined, { n: 1 }, { n: 1 })).toBe(true);
    expect(isMaterial('count', { n: 1 }, { n: 1 })).toBe(true);
    expect(isMaterial('none', { n: 1 }, { n: 99 })).toBe(false);
  });

  it('a label spec: only passing a further step in the worse direction', () => {
    expect(isMaterial(cache, { percent: 97 }, { percent: 96.2 })).toBe(false);
    expect(isMaterial(cache, { percent: 97 }, { percent: 95 })).toBe(true);
    expect(isMaterial(cache, { percent: 93 }, { percent: 91 })).toBe(false);
    expect(isMaterial(cache, { percent: 93 }, { percent: 79 })).toBe(true);
    // Better is not news (the resolve is).
    expect(isMaterial(cache, { percent: 85 }, { percent: 97 })).toBe(false);
    const higher = { label: 'seconds', worse: 'higher', steps: [900, 3_600] } as const;
    expect(isMaterial(higher, { seconds: 400 }, { seconds: 899 })).toBe(false);
    expect(isMaterial(higher, { seconds: 899 }, { seconds: 900 })).toBe(true);
    // A value that is not a number cannot be judged: it is sent.
    expect(isMaterial(higher, { seconds: 'x' }, { seconds: 10 })).toBe(true);
  });

  it('a raise that is not news leaves a notified group up to date: next is the reminder', () => {
    let g: GroupState = openGroup(t0, { routed: true });
    g = transition(g, { type: 'delivered', at: at(1_000), kind: 'firing', occurrences: 1 }, policy);
    for (let i = 0; i < 12; i += 1)
      g = transition(g, { type: 'raise', at: at(300_000 * (i + 1)), material: false }, policy);
    expect(g).toMatchObject({ occurrences: 13, notifiedOccurrences: 13, state: 'sent' });
    expect(nextNotification(g, policy)).toEqual({
      kind: 'repeat',
      dueAt: at(1_000 + policy.repeatIntervalMs),
    });
    expect(policy.repeatIntervalMs).toBe(4 * 3_600_000);
    // News again: an update at the group interval.
    g = transition(g, { type: 'raise', at: at(4_000_000), material: true }, policy);
    expect(nextNotification(g, policy)).toEqual({
      kind: 'update',
      dueAt: at(1_000 + policy.groupIntervalMs),
    });
  });

  it('a group not yet notified sends its first message whatever the raise', () => {
    let g: GroupState = openGroup(t0, { routed: true });
    g = transition(g, { type: 'raise', at: at(500), material: false }, policy);
    expect(g).toMatchObject({ state: 'pending', occurrences: 2, notifiedOccurrences: 0 });
    expect(nextNotification(g, policy)?.kind).toBe('firing');
  });
});
