import { backoffMs } from '../alerting/backoff.ts';
/**
 * Erasure planning, pure: which steps a request has and in what order, when a failed step is
 * tried again, what stays behind for how long (the residual windows a receipt states), and when
 * an open request is close enough to its Art. 12 deadline to page someone.
 */
import { art12Deadline } from './deadlines.ts';

/** The stores one erasure clears, in the order they are attempted. */
export const ERASURE_STORES = ['postgres', 'upstash', 'n8n', 'suppression'] as const;
/** The stores, then the verification scan (which runs only once every store step is done). */
export const ERASURE_STEPS = [...ERASURE_STORES, 'verification'] as const;

export type ErasureStore = (typeof ERASURE_STORES)[number];
export type ErasureStepName = (typeof ERASURE_STEPS)[number];
export type ErasureStatus = 'pending' | 'completed' | 'failed';

/** After this many failed attempts a step is `failed` and the request needs an operator. */
export const ERASURE_MAX_ATTEMPTS = 12;
const RETRY_BASE_MS = 60_000;
const RETRY_CAP_MS = 3_600_000;
/** The retry collector pages when an open request is this close to its deadline. */
export const ERASURE_WARN_BEFORE_DUE_MS = 7 * 24 * 3_600_000;
/** How long a worker holds a request it is advancing; a crashed worker's lease then lapses. */
export const ERASURE_LEASE_MS = 60_000;

export interface PlannedStep {
  store: ErasureStepName;
  nextAttemptAt: Date;
}

export interface ErasurePlan {
  requestedAt: Date;
  /** Art. 12(3): one calendar month (Reg. 1182/71), end of the local day. */
  dueAt: Date;
  steps: PlannedStep[];
}

export function planErasure(requestedAt: Date): ErasurePlan {
  return {
    requestedAt,
    dueAt: art12Deadline(requestedAt).dueAt,
    steps: ERASURE_STEPS.map((store) => ({ store, nextAttemptAt: requestedAt })),
  };
}

/**
 * When a step that has now failed `attempts` times is tried again: 1, 2, 4 … minutes, capped at
 * an hour (the retry collector runs every 5 minutes, so short delays round up to its tick).
 * Deterministic on purpose: one worker per request, nothing to de-synchronise.
 */
export function nextAttemptAt(attempts: number, now: Date): Date {
  const delay = backoffMs(Math.max(1, attempts), {
    baseMs: RETRY_BASE_MS,
    maxMs: RETRY_CAP_MS,
    factor: 2,
  });
  return new Date(now.getTime() + delay);
}

export function attemptsExhausted(attempts: number): boolean {
  return attempts >= ERASURE_MAX_ATTEMPTS;
}

/** Settings the residual windows depend on (config: N8N_EXECUTIONS_MAX_AGE_HOURS, BACKUP_RETENTION_DAYS). */
export interface ResidualSettings {
  /** n8n `EXECUTIONS_DATA_MAX_AGE`, hours (default 336). */
  n8nMaxAgeHours: number;
  /** n8n `EXECUTIONS_DATA_HARD_DELETE_BUFFER`, hours (default 1). */
  n8nHardDeleteBufferHours: number;
  /** How long the Postgres provider keeps backups / the PITR window, days. */
  backupRetentionDays: number;
}

export const DEFAULT_RESIDUAL_SETTINGS: ResidualSettings = {
  n8nMaxAgeHours: 336,
  n8nHardDeleteBufferHours: 1,
  backupRetentionDays: 7,
};

export interface ResidualWindow {
  store: 'n8n' | 'postgres-backups';
  /** What may still hold the data, in words a data subject can read. */
  what: string;
  /** The latest instant it can still exist (ISO 8601). */
  until: string;
}

/**
 * Copies erasure cannot reach directly, and the instant each is gone by itself:
 * - n8n executions the ledger never heard of (a run that failed before its ledger node) are
 *   pruned after `EXECUTIONS_DATA_MAX_AGE` plus the hard-delete buffer;
 * - Postgres backups and the point-in-time-recovery window keep deleted rows until they
 *   rotate out; a restore must replay the erasure log (`erasure_requests` is kept for that).
 */
export function residualWindows(
  completedAt: Date,
  settings: ResidualSettings = DEFAULT_RESIDUAL_SETTINGS,
): ResidualWindow[] {
  const hours = (h: number) => h * 3_600_000;
  return [
    {
      store: 'n8n',
      what: 'n8n executions not reported to the execution ledger, pruned by n8n (EXECUTIONS_DATA_MAX_AGE + hard-delete buffer)',
      until: new Date(
        completedAt.getTime() + hours(settings.n8nMaxAgeHours + settings.n8nHardDeleteBufferHours),
      ).toISOString(),
    },
    {
      store: 'postgres-backups',
      what: 'database backups and the point-in-time-recovery window; a restore replays this erasure',
      until: new Date(
        completedAt.getTime() + hours(24 * settings.backupRetentionDays),
      ).toISOString(),
    },
  ];
}

/** A pending request older than this is stuck: every store should be done within minutes. */
export const ERASURE_STUCK_AFTER_MS = 24 * 3_600_000;

/**
 * A pending request with a step that keeps failing (a provider refusing the erasure's calls)
 * pages after this long, not after the 12 attempts that mark the step `failed` (about 6 h of
 * backoff): by an hour the retries (1, 2, 4 … 32 min) have failed six times, the provider is
 * not having a blip, and a person has the rest of the month to fix it. A request that is only
 * queued (no step has failed) keeps the day of `ERASURE_STUCK_AFTER_MS`: a backlog drains.
 */
export const ERASURE_FAILING_PAGE_AFTER_MS = 3_600_000;

/**
 * Whether an open request needs a person: failed outright, past its deadline, fewer than 7 days
 * left, a step failing for more than an hour, or pending for more than a day.
 */
export function needsAttention(
  request: {
    status: ErasureStatus;
    requestedAt: Date;
    dueAt: Date;
    /** A step not completed has failed at least once (its last error is recorded). */
    failing?: boolean;
  },
  now: Date,
): 'failed' | 'overdue' | 'due-soon' | 'stuck' | undefined {
  if (request.status === 'completed') return undefined;
  if (request.status === 'failed') return 'failed';
  const left = request.dueAt.getTime() - now.getTime();
  if (left < 0) return 'overdue';
  if (left <= ERASURE_WARN_BEFORE_DUE_MS) return 'due-soon';
  const age = now.getTime() - request.requestedAt.getTime();
  if (request.failing === true && age > ERASURE_FAILING_PAGE_AFTER_MS) return 'stuck';
  if (age > ERASURE_STUCK_AFTER_MS) return 'stuck';
  return undefined;
}

/** The request's status from its steps: all completed → completed; any failed → failed. */
export function requestStatus(steps: ReadonlyArray<{ status: ErasureStatus }>): ErasureStatus {
  if (steps.some((s) => s.status === 'failed')) return 'failed';
  if (steps.length > 0 && steps.every((s) => s.status === 'completed')) return 'completed';
  return 'pending';
}
