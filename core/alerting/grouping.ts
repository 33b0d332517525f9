/**
 * Group and dedup decisions, after Alertmanager's semantics (docs/providers/monitoring.md),
 * with one group per dedup key:
 * - group wait: the first message waits `groupWaitMs` to batch a burst; an alert resolved
 *   inside that window is never sent;
 * - group interval: later changes (more occurrences) are sent at most once per
 *   `groupIntervalMs`, so a storm of 1,000 raises is one message and then an updated count;
 * - repeat interval: an unchanged firing alert is re-sent every `repeatIntervalMs`;
 * - resolve: a group that was notified gets one resolved message, then closes.
 * Pure: the adapter stores a `GroupState` per outbox row and asks these functions what to do.
 */

import type { AlertUpdates } from '../catalog/types.ts';

/**
 * How often a firing alert whose raises bring nothing new is re-sent to Slack (a reminder):
 * a level alert re-raised by each 5-minute run used to post an update every 5 minutes (12 an
 * hour for `db-cache-hit-low`), which costs support time and trains people to ignore the channel.
 */
export const ALERT_REMINDER_HOURS = 4;

export interface GroupPolicy {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/**
 * Alertmanager's group interval and repeat interval. Its 30 s group wait batches many alerts
 * into one group; ours groups by dedup key only, so the wait just absorbs a burst's first
 * instants and lets a flap resolve unseen: 1 s keeps raise → Slack under the 2 s target.
 */
export const defaultGroupPolicy: GroupPolicy = {
  groupWaitMs: 1_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: ALERT_REMINDER_HOURS * 3_600_000,
};

/**
 * `pending`: a change not yet delivered; `sent`: the channel knows the latest (a repeat may be
 * scheduled); `suppressed`: recorded, never routed (info alerts, or resolved inside group wait);
 * `dead`: the channel refused it for good (see alert_dead_letters).
 */
export type DeliveryState = 'pending' | 'sent' | 'dead' | 'suppressed';
export type NotificationKind = 'firing' | 'update' | 'repeat' | 'resolved';

export interface GroupState {
  state: DeliveryState;
  occurrences: number;
  firstRaisedAt: Date;
  lastRaisedAt: Date;
  resolvedAt: Date | null;
  /** Occurrence count shown in the last message; 0 before the first one. */
  notifiedOccurrences: number;
  lastNotifiedAt: Date | null;
  resolveNotifiedAt: Date | null;
}

export type GroupEvent =
  /** `material: false`: counted, not news (see {@link isMaterial}); default true. */
  | { type: 'raise'; at: Date; material?: boolean }
  | { type: 'resolve'; at: Date }
  | { type: 'delivered'; at: Date; kind: NotificationKind; occurrences: number }
  | { type: 'dead'; at: Date };

export interface Notification {
  kind: NotificationKind;
  dueAt: Date;
}

/** The state of a new group after its first raise. `routed: false` for `info` alerts. */
export function openGroup(at: Date, options: { routed: boolean }): GroupState {
  return {
    state: options.routed ? 'pending' : 'suppressed',
    occurrences: 1,
    firstRaisedAt: at,
    lastRaisedAt: at,
    resolvedAt: null,
    notifiedOccurrences: 0,
    lastNotifiedAt: null,
    resolveNotifiedAt: null,
  };
}

/** An open group still takes raises; a resolved or dead one does not (a raise opens a new one). */
export function isOpen(group: GroupState): boolean {
  return group.resolvedAt === null && group.state !== 'dead';
}

export function transition(group: GroupState, event: GroupEvent, policy: GroupPolicy): GroupState {
  switch (event.type) {
    case 'raise': {
      if (!isOpen(group)) throw new Error('raise on a closed group: open a new one');
      const occurrences = group.occurrences + 1;
      // Nothing new for a channel that is up to date: counted, and the channel stays up to
      // date (its next message is the reminder). A pending group sends its latest anyway.
      const quiet = event.material === false && group.state === 'sent';
      return {
        ...group,
        occurrences,
        lastRaisedAt: later(group.lastRaisedAt, event.at),
        notifiedOccurrences: quiet ? occurrences : group.notifiedOccurrences,
        state: group.state === 'sent' && !quiet ? 'pending' : group.state,
      };
    }
    case 'resolve': {
      if (group.resolvedAt !== null || group.state === 'dead') return group;
      const insideGroupWait =
        group.lastNotifiedAt === null &&
        event.at.getTime() < group.firstRaisedAt.getTime() + policy.groupWaitMs;
      const state: DeliveryState =
        group.state === 'suppressed' || insideGroupWait ? 'suppressed' : 'pending';
      return { ...group, resolvedAt: event.at, state };
    }
    case 'delivered': {
      const resolveNotifiedAt = event.kind === 'resolved' ? event.at : group.resolveNotifiedAt;
      const notifiedOccurrences = Math.max(group.notifiedOccurrences, event.occurrences);
      const upToDate =
        notifiedOccurrences >= group.occurrences &&
        (group.resolvedAt === null || resolveNotifiedAt !== null);
      return {
        ...group,
        lastNotifiedAt: event.at,
        notifiedOccurrences,
        resolveNotifiedAt,
        state: upToDate ? 'sent' : 'pending',
      };
    }
    case 'dead':
      return { ...group, state: 'dead' };
  }
}

/** The next message this group owes its channel and when it is due, or null if none ever. */
export function nextNotification(group: GroupState, policy: GroupPolicy): Notification | null {
  if (group.state === 'dead' || group.state === 'suppressed') return null;
  if (group.lastNotifiedAt === null) {
    return { kind: 'firing', dueAt: addMs(group.firstRaisedAt, policy.groupWaitMs) };
  }
  if (group.resolvedAt !== null) {
    if (group.resolveNotifiedAt !== null) return null;
    return { kind: 'resolved', dueAt: group.resolvedAt };
  }
  if (group.occurrences > group.notifiedOccurrences) {
    return { kind: 'update', dueAt: addMs(group.lastNotifiedAt, policy.groupIntervalMs) };
  }
  return { kind: 'repeat', dueAt: addMs(group.lastNotifiedAt, policy.repeatIntervalMs) };
}

function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/**
 * Whether a raise of an open group is news for its channel (the alert's `updates`): `count`
 * (default) any raise; `none` never; a label spec when the value passed a further step than
 * the previous raise's in the worse direction (a value that is not a number is news).
 */
export function isMaterial(
  updates: AlertUpdates | undefined,
  previous: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
): boolean {
  if (updates === undefined || updates === 'count') return true;
  if (updates === 'none') return false;
  const a = Number(previous[updates.label]);
  const b = Number(next[updates.label]);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return true;
  const passed = (v: number) =>
    updates.steps.filter((s) => (updates.worse === 'higher' ? v >= s : v <= s)).length;
  return passed(b) > passed(a);
}
