import { describe, expect, it } from 'vitest';
import {
  defaultGroupPolicy as policy,
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
