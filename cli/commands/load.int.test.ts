import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadTarget, ScenarioResult } from '../../load/target.ts';
import { localLoadTarget } from '../../sandbox/load-target.ts';
import { type RunningStack, startStack } from '../../sandbox/stack.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { runLoad } from './load.ts';

// Every scenario in its short form, through Artillery, against a real local staging (real
// Postgres and Redis, the app, the provider stand-ins). What is asserted is that each scenario
// ran end to end and produced its figures and gates; the full runs are `npm run load`.
let db: TestDatabase;
let stack: RunningStack;
let target: LoadTarget;
let outDir: string;
let stateDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-load-stack-'));
  outDir = await mkdtemp(path.join(tmpdir(), 'vigie-load-out-'));
  stack = await startStack({
    env: { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(7), PORT: '0', ANTHROPIC_TIER: 'tier2' },
    stateDir,
    seedSize: { customers: 3, prospectsPerCustomer: 20 },
  });
  target = await localLoadTarget(stack, { users: 3, prospectsPerUser: 5 });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await rm(stateDir, { recursive: true, force: true });
  await rm(outDir, { recursive: true, force: true });
});

async function result(name: string): Promise<ScenarioResult> {
  return JSON.parse(await readFile(path.join(outDir, `${name}.json`), 'utf8')) as ScenarioResult;
}

describe('load scenarios, smoke form', () => {
  it('scrape: every execution ran through PhantomBuster and the gateway, with n8n figures', async () => {
    const [r] = await runLoad({ scenarios: ['scrape'], mode: 'smoke', target, outDir });
    expect(r!.artilleryExitCode, r!.artilleryTail).toBe(0);
    expect(r!.figures.executionsSucceeded).toBe(4);
    expect(Number(r!.figures.executionP95Ms)).toBeGreaterThan(0);
    expect(r!.figures.bindingLimit).toEqual(expect.any(String));
    expect(await result('scrape')).toMatchObject({ scenario: 'scrape', mode: 'smoke' });
  }, 120_000);

  it('email-queue: single and pipelined operations answered, pipelining sends fewer requests', async () => {
    const [r] = await runLoad({ scenarios: ['email-queue'], mode: 'smoke', target, outDir });
    expect(r!.gates.every((g) => g.pass)).toBe(true);
    expect(r!.figures['single.operations']).toBe(24);
    expect(Number(r!.figures['pipelined.requests'])).toBeLessThan(
      Number(r!.figures['single.requests']),
    );
    expect(r!.figures['single.commands']).toBe(r!.figures['pipelined.commands']);
  }, 120_000);

  it('enrichment: all succeed through the gateway, none refused by Claude', async () => {
    const [r] = await runLoad({ scenarios: ['enrichment'], mode: 'smoke', target, outDir });
    expect(r!.gates.map((g) => [g.name, g.pass])).toEqual([
      ['every enrichment succeeded', true],
      ['none sent while the limiter knew a bucket was empty (no 429 from Claude)', true],
    ]);
    expect(Number(r!.figures.costUsd)).toBeGreaterThan(0);
  }, 120_000);

  it('api: the mix and a stair-step ran, a knee is named', async () => {
    const [r] = await runLoad({ scenarios: ['api'], mode: 'smoke', target, outDir });
    expect(r!.artilleryExitCode, r!.artilleryTail).toBe(0);
    expect(r!.figures.failures).toBe(0);
    expect(Number(r!.figures.requests)).toBeGreaterThan(10);
    expect(r!.steps?.map((s) => s.users)).toEqual([2, 4]);
    expect(r!.figures.kneeUsers).toEqual(expect.any(Number));
  }, 120_000);
});
