import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStack } from '../../sandbox/stack.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { loadRunbooks } from '../library.ts';
import { drills } from './index.ts';
import { runVigie } from './runner.ts';
import { DRILL_ENV, drillEnv, readEnvFile, runDrills, startStack } from './suite.ts';
import type { DrillEnv, DrillJournal } from './types.ts';

// A real local staging (its own database, Redis db 8, every stand-in, the scheduler at 600×),
// every drill run end to end: the fault through the staging's switch, the alert at the Slack
// stand-in, the page's own resolution commands in child processes, steady state again.
let db: TestDatabase;
let stateDir: string;
let stack: RunningStack;
let env: DrillEnv;
let journals: DrillJournal[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-drills-'));
  stack = await startStack({
    env: { ...DRILL_ENV, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(8) },
    stateDir,
    seedSize: { customers: 4, prospectsPerCustomer: 20 },
  });
  env = await drillEnv(stack);
  journals = await runDrills(env, { detectTimeoutMs: 60_000, recoverTimeoutMs: 60_000 });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('drills', () => {
  it('covers every drill the runbooks name', () => {
    const named = loadRunbooks()
      .map((p) => p.drill)
      .filter((d) => d !== 'none');
    expect(Object.keys(drills).sort()).toEqual(named.sort());
    expect(journals.map((j) => j.drill).sort()).toEqual(named.sort());
  });

  it.each(Object.keys(drills))('%s: detects, resolves with the page, recovers', (id) => {
    const j = journals.find((x) => x.drill === id)!;
    expect(j.error, JSON.stringify(j.steps.filter((s) => s.status === 'failed'))).toBeUndefined();
    expect(j.status).toBe('passed');
    expect(j.timeToDetectMs).toBeGreaterThan(0);
    expect(j.timeToRecoverMs).toBeGreaterThan(0);
    expect(j.commands.length).toBeGreaterThan(0);
    for (const c of j.commands) expect(c).not.toMatch(/[<>]/);
    expect(j.slackLinksRunbook).toBe(true);
    expect(j.steps.at(-1)).toMatchObject({
      name: 'rollback: clear the fault switch',
      status: 'ok',
    });
  });

  it('the fault switches answer another process (npx vigie sandbox fault)', async () => {
    const commandEnv = await readEnvFile(stack.envFile);
    expect(commandEnv.VIGIE_CONTROL_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await runVigie('npx vigie sandbox fault slack dead', commandEnv);
    expect(stack.faults.active()).toMatchObject([{ standIn: 'slack', mode: 'dead' }]);
    const listed = await runVigie('npx vigie sandbox faults', commandEnv);
    expect(listed).toContain('on: slack dead');
    await expect(runVigie('npx vigie sandbox fault slack melt', commandEnv)).rejects.toThrow(
      /no fault "melt"/,
    );
    await runVigie('npx vigie sandbox fault slack clear', commandEnv);
    expect(stack.faults.active()).toEqual([]);
    // A wrong token is refused.
    await expect(
      runVigie('npx vigie sandbox faults', { ...commandEnv, VIGIE_CONTROL_TOKEN: 'nope' }),
    ).rejects.toThrow(/401/);
  });
});
