import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReceiptSigner } from '../adapters/privacy/receipt-key.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import { upstashMonthlyBillingUsd } from '../adapters/upstash/management.ts';
import { createDevToken } from '../cli/commands/dev.ts';
import { verifyReceipt } from '../core/privacy/receipt.ts';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { testRedisUrl } from '../testkit/redis.ts';
import { type RunningStack, startStack } from './stack.ts';
import { groupingKey } from './staging/sentry-rules.ts';
import { isAlive } from '../testkit/process.ts';

describe('local staging', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('uses DATABASE_URL and REDIS_URL when given: migrates, seeds, serves /healthz', async () => {
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(db.drop);
    // A state dir of its own: the default (.vigie) may be a running `npm start`'s.
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-stack-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const stack = await startStack({
      env: { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), PORT: '0' },
      stateDir,
      seedSize: { customers: 2, prospectsPerCustomer: 10 },
    });
    try {
      expect(stack.embedded).toEqual({ postgres: false, redis: false });
      const response = await fetch(`${stack.urls.app}/healthz`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { dependencies: Record<string, { state: string }> };
      expect(body.dependencies.postgres?.state).toBe('up');
      expect(body.dependencies.redis?.state).toBe('up');
      const { rows } = await stack.pool.query<{ n: number }>(
        'select count(*)::int as n from prospects',
      );
      expect(rows[0]?.n).toBe(20);
    } finally {
      await stack.stop();
    }
    await expect(fetch(`${stack.urls.app}/healthz`)).rejects.toThrow();
  });

  it('starts an embedded Postgres and a redis-server when nothing is given, and stops both', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-stack-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const stack = await startStack({ env: { PORT: '0' }, stateDir, seedWhenEmpty: false });
    const pidFile = await readFile(path.join(stateDir, 'postgres', 'postmaster.pid'), 'utf8');
    const postgresPid = Number(pidFile.split('\n')[0]);
    try {
      expect(stack.embedded).toEqual({ postgres: true, redis: true });
      const response = await fetch(`${stack.urls.app}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
      expect(isAlive(postgresPid)).toBe(true);
      // Migrated as the owner; the app runs as the least-privilege role, which cannot even
      // read the migration history.
      const { rows } = await stack.pool.query<{ who: string; n: number }>(
        'select current_user as who, count(*)::int as n from public.prospects',
      );
      expect(rows).toEqual([{ who: 'vigie_app', n: 0 }]);
      await expect(
        stack.pool.query('select count(*) from supabase_migrations.schema_migrations'),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await stack.stop();
    }
    expect(isAlive(postgresPid)).toBe(false);
    expect(existsSync(path.join(stateDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});

/** True when something accepts TCP connections at the URL's host and port. */
function listens(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('local staging end to end', () => {
  let db: TestDatabase;
  let stateDir: string;
  let stack: RunningStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-stack-e2e-'));
    stack = await startStack({
      // Redis database 11: the seed writes fixed keys, other suites use other databases.
      env: { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(11), PORT: '0' },
      stateDir,
      seedSize: { customers: 2, prospectsPerCustomer: 10 },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('erases a prospect an n8n run holds: dev token, ledger hook, 202, then a signed receipt', async () => {
    const { rows } = await stack.pool.query<{ id: string; user_id: string; email: string }>(
      `select id, user_id, email from public.prospects where user_id = $1 order by id limit 1`,
      [stack.demoUserId],
    );
    const prospect = rows[0]!;
    const n8n = stack.standIns.n8n!;
    const run = await fetch(`${n8n.url}/webhook/scrape-and-enrich`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userId: prospect.user_id,
        prospects: [{ id: prospect.id, email: prospect.email }],
      }),
    });
    expect(run.status).toBe(200);
    const { executionId } = (await run.json()) as { executionId: string };
    // The webhook answers first; the run (the real workflow: PhantomBuster launch, poll,
    // result, then the app's enrichment gateway) ends later, as on n8n Cloud.
    let execution = n8n.executions().find((e) => e.id === executionId);
    for (
      let i = 0;
      i < 300 && execution && !['success', 'error', 'crashed'].includes(execution.status);
      i += 1
    ) {
      await new Promise((r) => setTimeout(r, 100));
      execution = n8n.executions().find((e) => e.id === executionId);
    }
    expect(execution?.status).toBe('success');
    const data = execution?.data as { resultData: { lastNodeExecuted?: string } } | undefined;
    expect(data?.resultData.lastNodeExecuted).toBe('Enrich with Claude');
    const metered = await stack.pool.query<{ requests: number }>(
      'select sum(requests)::int as requests from public.enrichment_usage where tenant_id = $1',
      [prospect.user_id],
    );
    expect(metered.rows[0]?.requests).toBeGreaterThanOrEqual(1);
    // The workflow reported to the app's ledger hook over HTTP, with the shared secret.
    const ledger = await stack.pool.query(
      'select 1 from public.n8n_execution_ledger where execution_id = $1 and prospect_id = $2',
      [executionId, prospect.id],
    );
    expect(ledger.rowCount).toBe(1);

    // What `npx vigie dev token --user <id>` prints, from the key this stack persisted.
    const token = await createDevToken({ stateDir, userId: prospect.user_id });
    const auth = { authorization: `Bearer ${token}` };
    const mine = await fetch(`${stack.urls.app}/users/me/data`, { headers: auth });
    expect(mine.status).toBe(200);
    await mine.body?.cancel();

    const erased = await fetch(`${stack.urls.app}/prospects/${prospect.id}`, {
      method: 'DELETE',
      headers: auth,
    });
    // 202 once the records are gone; the server's background finishes and signs.
    expect(erased.status).toBe(202);
    const { statusUrl } = (await erased.json()) as { statusUrl: string };
    let body = { status: 'pending', receipt: undefined as unknown };
    for (let tries = 0; body.status !== 'completed' && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      body = (await (await fetch(`${stack.urls.app}${statusUrl}`, { headers: auth })).json()) as {
        status: string;
        receipt: unknown;
      };
    }
    expect(body.status).toBe('completed');
    const signer = await loadReceiptSigner(stack.config);
    expect(verifyReceipt(body.receipt, signer.publicKey)).toMatchObject({ ok: true });
    expect(n8n.executions().some((e) => e.id === executionId)).toBe(false);
    const left = await stack.pool.query('select 1 from public.prospects where id = $1', [
      prospect.id,
    ]);
    expect(left.rowCount).toBe(0);
  });

  it('the cost reader bills the Redis commands the stack ran, not zero', async () => {
    const c = stack.config;
    const read = () =>
      upstashMonthlyBillingUsd({
        baseUrl: c.UPSTASH_API_BASE_URL!,
        email: c.UPSTASH_API_EMAIL!,
        apiKey: c.UPSTASH_API_KEY!,
        databaseId: c.UPSTASH_DATABASE_ID!,
      });
    const before = await read();
    expect(before.monthlyRequests).toBeGreaterThan(0);
    expect(before.usd).toBeCloseTo((before.monthlyRequests / 100_000) * 0.2, 10);
    const redis = createRedis({ url: stack.urls.upstash, token: c.UPSTASH_REDIS_REST_TOKEN! });
    await redis.set('vigie-t-stack-usage', '1', { ex: 60 });
    // `>`: the staging's scheduled collectors may run commands of their own meanwhile.
    expect((await read()).monthlyRequests).toBeGreaterThan(before.monthlyRequests);
  });

  it('publishes SPF, DKIM and DMARC for the seeded sending domains', async () => {
    const { rows } = await stack.pool.query<{ domain: string }>(
      'select domain from public.sending_domains order by domain limit 1',
    );
    const resolver = new Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([stack.config.DNS_RESOLVER!]);
    const spf = await resolver.resolveTxt(rows[0]!.domain);
    expect(spf.map((r) => r.join(''))).toEqual(['v=spf1 ip4:127.0.0.1 -all']);
    const dkim = await resolver.resolveTxt(`vigie._domainkey.${rows[0]!.domain}`);
    expect(dkim[0]?.join('')).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
  });

  it('routes a failing collector heartbeat through Better Stack and the outbox to Slack', async () => {
    const slack = stack.standIns.slack!;
    const before = slack.messages.length;
    // What a crashed collector's handler sends (telemetry/heartbeat.ts).
    const ping = await fetch(`${stack.config.HEARTBEAT_URL_COST}/fail`);
    expect(ping.status).toBe(200);
    await ping.body?.cancel();
    const message = await until(
      () =>
        slack.messages
          .slice(before)
          .find((m) => JSON.stringify(m.body).includes('A scheduled collector stopped reporting')),
      10_000,
    );
    const [heartbeatId] = [...stack.standIns.betterstack!.store.heartbeats].find(
      ([, h]) => h.name === 'Collector cost',
    )!;
    expect(JSON.stringify(message.body)).toContain(`Heartbeat ${heartbeatId} got no ping`);
    // The dispatcher marks the row sent just after Slack answers: poll for it, do not race it.
    const states = async () =>
      (
        await stack.pool.query<{ state: string }>(
          `select state from alert_outbox where alert_id = 'heartbeat-missed'`,
        )
      ).rows.map((r) => r.state);
    const deadline = Date.now() + 5_000;
    while ((await states()).join() !== 'sent' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await states()).toEqual(['sent']);
  });

  it('a new error sent with @sentry/node reaches Slack as sentry-new-issue, through the signed /hooks/sentry, once per issue', async () => {
    const slack = stack.standIns.slack!;
    const sentry = stack.standIns.sentry!;
    const before = slack.messages.length;
    const fail = (n: number): never => {
      throw new RangeError(`stack e2e failure ${n}`);
    };
    const captureTwice = async (from: number) => {
      for (const n of [from, from + 1]) {
        try {
          fail(n);
        } catch (error) {
          stack.telemetry.captureException(error);
        }
      }
      expect(await stack.telemetry.flush(5_000)).toBe(true);
    };
    await captureTwice(0);
    const ours = () =>
      sentry.events().filter((e) => JSON.stringify(e.payload).includes('stack e2e failure'));
    expect(ours()).toHaveLength(2);
    const issueId = await until(
      () => stack.sentryRules!.issues().get(groupingKey(ours()[0]!)),
      5_000,
    );
    const text = `New Sentry issue ${issueId} in project ${sentry.projectId}.`;
    const pages = () =>
      slack.messages.slice(before).filter((m) => JSON.stringify(m.body).includes(text));
    await until(() => (pages().length > 0 ? true : undefined), 15_000);
    // The stand-in posted it to the app's route, which accepted the signature.
    expect(stack.sentryRules!.deliveries().filter((d) => d.subject === issueId)).toEqual([
      { resource: 'event_alert', action: 'triggered', subject: issueId, status: 200, attempts: 1 },
    ]);
    // The same issue again: no second webhook, no second page.
    await captureTwice(2);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(stack.sentryRules!.deliveries().filter((d) => d.subject === issueId)).toHaveLength(1);
    expect(pages()).toHaveLength(1);
  });

  it('leaves nothing listening after stop()', async () => {
    const urls = [
      stack.urls.app,
      ...stack.services
        .filter((s) => s.from === 'stand-in' && !s.url.startsWith('dns:'))
        .map((s) => s.url),
    ];
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) expect(await listens(url), url).toBe(true);
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([stack.config.DNS_RESOLVER!]);

    await stack.stop();

    for (const url of urls) expect(await listens(url), url).toBe(false);
    await expect(resolver.resolveTxt('example.test')).rejects.toMatchObject({
      code: expect.not.stringMatching(/^ENOTFOUND$/),
    });
  });
});
