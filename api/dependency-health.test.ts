import { afterEach, describe, expect, it } from 'vitest';
import {
  createDependencyHealth,
  probe,
  type DependencyHealth,
  type DependencyHealthOptions,
} from './dependency-health.ts';

const BUDGETS = { postgres: 1_000, redis: 500, n8n: 2_000 };
let health: DependencyHealth | undefined;

afterEach(() => health?.stop());

function counting(overrides: Partial<DependencyHealthOptions> = {}) {
  const calls = { postgres: 0, redis: 0, n8n: 0 };
  let clock = 1_000_000;
  const options: DependencyHealthOptions = {
    refreshMs: 5_000,
    budgetsMs: BUDGETS,
    now: () => clock,
    checks: {
      postgres: { check: async () => void (calls.postgres += 1) },
      redis: { check: async () => void (calls.redis += 1) },
      n8n: { check: async () => void (calls.n8n += 1) },
    },
    ...overrides,
  };
  health = createDependencyHealth(options);
  return { health, calls, advance: (ms: number) => (clock += ms) };
}

describe('the dependency-health snapshot', () => {
  it('answers many concurrent readers with one round of checks', async () => {
    const { health, calls } = counting();
    const snapshots = await Promise.all(Array.from({ length: 50 }, () => health.current()));
    expect(calls).toEqual({ postgres: 1, redis: 1, n8n: 1 });
    expect(new Set(snapshots).size).toBe(1);
    expect(snapshots[0]!.dependencies.postgres.state).toBe('up');
  });

  it('answers from the snapshot while it is fresh, and checks again before answering once it is older than two intervals', async () => {
    const { health, calls, advance } = counting();
    const first = await health.current();
    advance(9_000);
    expect(await health.current()).toBe(first);
    expect(calls.postgres).toBe(1);
    advance(2_000);
    const next = await health.current();
    expect(calls.postgres).toBe(2);
    expect(next.checkedAt.getTime()).toBeGreaterThan(first.checkedAt.getTime());
  });

  it('peek never waits: nothing before the first check, which it starts', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { health } = counting({
      checks: {
        postgres: { check: () => gate },
        redis: { check: async () => {} },
      },
    });
    expect(health.peek()).toBeUndefined();
    release();
    await health.current();
    expect(health.peek()?.dependencies.n8n.state).toBe('not_configured');
  });

  it('reports a failing dependency as down with its error class only, never the message', async () => {
    const { health } = counting({
      checks: {
        postgres: {
          check: async () => {
            throw new TypeError('connect ECONNREFUSED postgres://vigie:secret@db');
          },
        },
        redis: { check: async () => {} },
      },
    });
    const { postgres } = (await health.current()).dependencies;
    expect(postgres).toMatchObject({ state: 'down', error: 'TypeError' });
    expect(JSON.stringify(postgres)).not.toContain('secret');
  });
});

describe('probe', () => {
  it('reads a check that outlives its budget as down', async () => {
    const state = await probe(() => new Promise(() => {}), 20);
    expect(state).toMatchObject({ state: 'down', error: 'BudgetExceeded', budgetMs: 20 });
  });

  it('does not count what a check waits for before it starts the clock', async () => {
    const state = await probe(
      async (startClock) => {
        await new Promise((r) => setTimeout(r, 80));
        startClock();
        return { waitMs: 80 };
      },
      20,
      { clockStartsInCheck: true },
    );
    expect(state).toMatchObject({ state: 'up', waitMs: 80 });
  });
});
