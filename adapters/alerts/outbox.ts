import type pg from 'pg';
import { withTransaction, type Queryable } from '../postgres/pool.ts';
import {
  dedupKey,
  findAlert,
  validateLabels,
  type AlertLabels,
} from '../../core/alerting/labels.ts';
import {
  defaultGroupPolicy,
  isMaterial,
  nextNotification,
  openGroup,
  transition,
  type GroupPolicy,
  type GroupState,
} from '../../core/alerting/grouping.ts';
import type { AlertDefinition } from '../../core/catalog/types.ts';
import { VigieError } from '../../core/errors.ts';

/**
 * The alert outbox: `raise` and `resolve` write a row (one per alert group, i.e. dedup key)
 * in the caller's transaction, so an alert exists durably before anyone tries to deliver it.
 * The dispatcher (`dispatcher.ts`) delivers what is due.
 */

export interface RaiseInput {
  alertId: string;
  labels: Record<string, string | number>;
  at: Date;
}

export interface RaiseResult {
  outboxId: number;
  dedupKey: string;
  occurrences: number;
  /** True when this raise opened a new group (first occurrence). */
  opened: boolean;
}

/** A row of `alert_outbox` as the dispatcher and CLI read it. */
export interface OutboxRow {
  id: number;
  alert_id: string;
  dedup_key: string;
  severity: string;
  labels: AlertLabels;
  /** The labels of the group's last Slack message (null until one is sent). */
  notified_labels: AlertLabels | null;
  state: GroupState['state'];
  occurrences: number;
  notified_occurrences: number;
  first_raised_at: Date;
  last_raised_at: Date;
  resolved_at: Date | null;
  sent_at: Date | null;
  resolve_sent_at: Date | null;
  next_attempt_at: Date | null;
  attempts: number;
  last_error: string | null;
  email_state: 'none' | 'pending' | 'sent';
  email_due_at: Date | null;
  email_attempts: number;
  emailed_at: Date | null;
}

const OPEN = `resolved_at is null and state <> 'dead'`;

/**
 * Records one occurrence of an alert. Given a client inside a transaction, the row commits or
 * rolls back with the caller's work; given a pool, it runs in its own transaction.
 * Bad input (unknown alert, missing or non-id labels) throws and writes nothing.
 */
export async function raise(
  db: Queryable,
  input: RaiseInput,
  policy: GroupPolicy = defaultGroupPolicy,
): Promise<RaiseResult> {
  const alert = findAlert(input.alertId);
  const labels = validateLabels(alert, input.labels);
  assertDate(input.at);
  const key = dedupKey(alert, labels);
  return inTransaction(db, async (client) => {
    // Two rounds at most: a concurrent raise may insert the group between our select and insert.
    for (let round = 0; round < 3; round += 1) {
      const open = await lockOpenGroup(client, key);
      if (open) {
        // Against what the channel was last told: judged against the previous raise, a value
        // flapping around a step crossed it again at every other raise.
        const material = isMaterial(alert.updates, open.notified_labels ?? open.labels, labels);
        const next = transition(toGroup(open), { type: 'raise', at: input.at, material }, policy);
        await client.query(
          `update alert_outbox
              set occurrences = $2, last_raised_at = $3, state = $4, next_attempt_at = $5, labels = $6,
                  notified_occurrences = $7
            where id = $1`,
          [
            open.id,
            next.occurrences,
            next.lastRaisedAt,
            next.state,
            dueAt(next, policy),
            labels,
            next.notifiedOccurrences,
          ],
        );
        return { outboxId: open.id, dedupKey: key, occurrences: next.occurrences, opened: false };
      }
      const inserted = await insertGroup(client, alert, key, labels, input.at, policy);
      if (inserted !== null) {
        return { outboxId: inserted, dedupKey: key, occurrences: 1, opened: true };
      }
    }
    throw new Error(`could not record alert ${alert.id}: its group kept changing`);
  });
}

/**
 * When the open group of this alert (by its dedup-key labels) was first raised, or null when
 * none is open: how long a condition has lasted, for producers whose text says so.
 */
export async function openSince(
  db: Queryable,
  input: Omit<RaiseInput, 'at'>,
): Promise<Date | null> {
  const alert = findAlert(input.alertId);
  const key = dedupKey(alert, validateLabels(alert, input.labels, { only: 'dedupKey' }));
  const { rows } = await db.query<{ first_raised_at: Date }>(
    `select first_raised_at from alert_outbox where dedup_key = $1 and ${OPEN}`,
    [key],
  );
  return rows[0]?.first_raised_at ?? null;
}

/**
 * Marks the open group of this alert resolved. Only the dedup-key labels are needed. Returns
 * false when no group is open (already resolved, or never raised): resolving is idempotent;
 * and when the episode it ends started before the open group was first raised (it ended an
 * earlier one): `episodeStartedAt` when the source dates its episodes, else `at`.
 */
export async function resolve(
  db: Queryable,
  input: RaiseInput & { episodeStartedAt?: Date },
  policy: GroupPolicy = defaultGroupPolicy,
): Promise<{ resolved: boolean; outboxId: number | null }> {
  const alert = findAlert(input.alertId);
  const labels = validateLabels(alert, input.labels, { only: 'dedupKey' });
  assertDate(input.at);
  if (input.episodeStartedAt !== undefined) assertDate(input.episodeStartedAt);
  const key = dedupKey(alert, labels);
  return inTransaction(db, async (client) => {
    const open = await lockOpenGroup(client, key);
    if (!open) return { resolved: false, outboxId: null };
    // Dated before this group was raised: the end of an earlier occurrence (a replayed or
    // late webhook), not of this one, which stays open.
    const episode = input.episodeStartedAt ?? input.at;
    if (episode.getTime() < open.first_raised_at.getTime()) {
      return { resolved: false, outboxId: open.id };
    }
    const next = transition(toGroup(open), { type: 'resolve', at: input.at }, policy);
    await client.query(
      `update alert_outbox
          set resolved_at = $2, state = $3, next_attempt_at = $4,
              email_state = case when $3 = 'suppressed' and email_state = 'pending' then 'none' else email_state end
        where id = $1`,
      [open.id, next.resolvedAt, next.state, dueAt(next, policy)],
    );
    return { resolved: true, outboxId: open.id };
  });
}

/** The row's group state, for the pure functions in `core/alerting/grouping.ts`. */
export function toGroup(row: OutboxRow): GroupState {
  return {
    state: row.state,
    occurrences: row.occurrences,
    firstRaisedAt: row.first_raised_at,
    lastRaisedAt: row.last_raised_at,
    resolvedAt: row.resolved_at,
    notifiedOccurrences: row.notified_occurrences,
    lastNotifiedAt: row.sent_at,
    resolveNotifiedAt: row.resolve_sent_at,
  };
}

export function dueAt(group: GroupState, policy: GroupPolicy): Date | null {
  return nextNotification(group, policy)?.dueAt ?? null;
}

async function lockOpenGroup(client: Queryable, key: string): Promise<OutboxRow | undefined> {
  const { rows } = await client.query<OutboxRow>(
    `select * from alert_outbox where dedup_key = $1 and ${OPEN} for update`,
    [key],
  );
  return rows[0];
}

async function insertGroup(
  client: Queryable,
  alert: AlertDefinition,
  key: string,
  labels: AlertLabels,
  at: Date,
  policy: GroupPolicy,
): Promise<number | null> {
  const group = openGroup(at, { routed: alert.route !== 'none' });
  const emailed = alert.route === 'slack+email';
  const { rows } = await client.query<{ id: number }>(
    `insert into alert_outbox
       (alert_id, dedup_key, severity, labels, state, occurrences, first_raised_at, last_raised_at,
        next_attempt_at, email_state, email_due_at)
     values ($1, $2, $3, $4, $5, 1, $6, $6, $7, $8, $9)
     on conflict (dedup_key) where ${OPEN} do nothing
     returning id`,
    [
      alert.id,
      key,
      alert.severity,
      labels,
      group.state,
      at,
      dueAt(group, policy),
      emailed ? 'pending' : 'none',
      emailed ? new Date(at.getTime() + policy.groupWaitMs) : null,
    ],
  );
  return rows[0]?.id ?? null;
}

/** A pool gets its own transaction; a client is already inside the caller's. */
async function inTransaction<T>(db: Queryable, fn: (client: Queryable) => Promise<T>): Promise<T> {
  if (isPool(db)) return withTransaction(db, fn);
  return fn(db);
}

function isPool(db: Queryable): db is pg.Pool {
  return 'totalCount' in db && 'connect' in db;
}

function assertDate(at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new VigieError('BAD_REQUEST', 'Alert time `at` must be a valid Date.');
  }
}
