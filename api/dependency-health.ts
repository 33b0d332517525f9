/**
 * The dependency-health snapshot behind `/healthz` and `/readyz`. Probes read it; they never
 * call a dependency themselves. A refresh checks Postgres, Redis and n8n (each within its
 * budget) at a fixed interval while the snapshot is being read, so 100 monitors or load-test
 * users asking at once cost nothing, and a process busy serving traffic is not mistaken for a
 * dependency that is down.
 */

import { type EventLoopUtilization, performance as nodePerformance } from 'node:perf_hooks';

export type DependencyName = 'postgres' | 'redis' | 'n8n';

export type DependencyState = {
  state: 'up' | 'down' | 'not_configured';
  latencyMs: number;
  budgetMs?: number;
  /** Postgres: how long the check waited for a pooled connection (not counted in the budget). */
  waitMs?: number;
  /** How long this process was busy with other work during the check (added to the budget). */
  busyMs?: number;
  error?: string;
};

export interface HealthSnapshot {
  checkedAt: Date;
  dependencies: Record<DependencyName, DependencyState>;
}

/**
 * One dependency's check: resolves when it answered, rejects when it did not. `startClock`
 * starts its budget (see `probe`); extra fields it resolves with go into its state.
 */
export type Check = (startClock: () => void) => Promise<Partial<DependencyState> | void>;

export interface CheckSpec {
  check: Check;
  /** The check waits for something of ours first and starts the clock itself. */
  clockStartsInCheck?: boolean;
}

export interface DependencyHealthOptions {
  checks: { postgres: CheckSpec; redis: CheckSpec; n8n?: CheckSpec };
  budgetsMs: Record<DependencyName, number>;
  /** How often the snapshot is refreshed while it is being read. */
  refreshMs: number;
  /** Called with each new snapshot before it is answered (alerting on consecutive failures). */
  onRefresh?: (snapshot: HealthSnapshot) => Promise<void>;
  now?: () => number;
}

export interface DependencyHealth {
  /**
   * The snapshot, refreshed first when there is none or it is older than two intervals (the
   * refresher did not run: a Lambda container frozen between invocations, a starved loop).
   */
  current(): Promise<HealthSnapshot>;
  /** The snapshot as it is, never waiting (liveness must not hang on a dependency). */
  peek(): HealthSnapshot | undefined;
  /** Checks every dependency now; concurrent callers share one round of checks. */
  refresh(): Promise<HealthSnapshot>;
  stop(): void;
}

/** Reads after which the refresher stops when nobody asks (tests, idle containers). */
const IDLE_INTERVALS = 10;

export function createDependencyHealth(o: DependencyHealthOptions): DependencyHealth {
  const now = o.now ?? Date.now;
  let snapshot: HealthSnapshot | undefined;
  let inflight: Promise<HealthSnapshot> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastReadAt = 0;

  const run = async (): Promise<HealthSnapshot> => {
    const n8n = o.checks.n8n;
    const [postgres, redis, wf] = await Promise.all([
      probe(o.checks.postgres.check, o.budgetsMs.postgres, o.checks.postgres),
      probe(o.checks.redis.check, o.budgetsMs.redis, o.checks.redis),
      n8n
        ? probe(n8n.check, o.budgetsMs.n8n, n8n)
        : Promise.resolve<DependencyState>({ state: 'not_configured', latencyMs: 0 }),
    ]);
    const next = { checkedAt: new Date(now()), dependencies: { postgres, redis, n8n: wf } };
    await o.onRefresh?.(next);
    snapshot = next;
    return snapshot;
  };
  const refresh = () => (inflight ??= run().finally(() => (inflight = undefined)));
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  const touch = () => {
    lastReadAt = now();
    if (timer !== undefined) return;
    timer = setInterval(() => {
      if (now() - lastReadAt > IDLE_INTERVALS * o.refreshMs) return stop();
      void refresh();
    }, o.refreshMs);
    // Never what keeps a process (or a test run) alive.
    timer.unref();
  };
  const stale = () =>
    snapshot === undefined || now() - snapshot.checkedAt.getTime() > 2 * o.refreshMs;

  return {
    current() {
      touch();
      return stale() ? refresh() : Promise.resolve(snapshot!);
    },
    peek() {
      touch();
      if (stale()) void refresh();
      return snapshot;
    },
    refresh,
    stop,
  };
}

/** However busy the process, a check ends by this many budgets. */
export const HARD_CAP_BUDGETS = 4;

/**
 * Runs one check against its budget, where the budget is the dependency's time, not ours: the
 * time the event loop was active during the check (Node's event-loop utilisation: serving a
 * burst of requests, or an in-process stand-in waiting for its turn) is added to the budget,
 * up to {@link HARD_CAP_BUDGETS} budgets in all. An idle process gives a dependency exactly
 * its budget. The verdict also waits
 * one more turn (`setImmediate` runs after the poll phase), so an answer that arrived while
 * the process was busy is read first. A check that must first wait for something of ours (a
 * pooled connection) calls `startClock` when the dependency's part begins.
 */
export async function probe(
  check: Check,
  budgetMs: number,
  options: { clockStartsInCheck?: boolean } = {},
): Promise<DependencyState> {
  const started = performance.now();
  let clockAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let loopAt: EventLoopUtilization | undefined;
  const busyMs = () => (loopAt ? nodePerformance.eventLoopUtilization(loopAt).active : 0);
  let overBudget!: (error: Error) => void;
  const deadline = new Promise<never>((_, reject) => (overBudget = reject));
  const verdict = () => {
    const clock = performance.now() - clockAt!;
    const left = Math.min(budgetMs + busyMs(), HARD_CAP_BUDGETS * budgetMs) - clock;
    if (left <= 0) overBudget(new BudgetExceeded());
    else timer = setTimeout(() => setImmediate(verdict), left);
  };
  const startClock = () => {
    if (clockAt !== undefined) return;
    clockAt = performance.now();
    loopAt = nodePerformance.eventLoopUtilization();
    timer = setTimeout(() => setImmediate(verdict), budgetMs);
  };
  const latency = () => Math.round(performance.now() - (clockAt ?? started));
  const busy = () => {
    const ms = Math.round(busyMs());
    return ms >= 1 ? { busyMs: ms } : {};
  };
  try {
    if (!options.clockStartsInCheck) startClock();
    const extra = await Promise.race([check(startClock), deadline]);
    return { state: 'up', latencyMs: latency(), budgetMs, ...busy(), ...(extra ?? {}) };
  } catch (error) {
    return {
      state: 'down',
      latencyMs: latency(),
      budgetMs,
      ...busy(),
      // The error class only: driver messages can carry connection strings.
      error: error instanceof Error ? error.name : 'Error',
    };
  } finally {
    clearTimeout(timer);
  }
}

export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}
