import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Keyring, parseKeyring } from '../../core/privacy/keyring.ts';
import { verifyReceipt } from '../../core/privacy/receipt.ts';
import { redisKeys } from '../../core/redis-keys.ts';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { advanceErasure, dueErasureRequests, requestErasure } from './erasure.ts';
import { sweepErasures } from './erasure-sweep.ts';
import { filterSuppressed, isSuppressed } from './suppression.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

let stack: ErasureStack;
/** Prospects used so far: each test takes fresh ones. */
const used = new Set<string>();

interface Prospect {
  id: string;
  user_id: string;
  email: string;
  linkedin_url: string;
}

beforeAll(async () => {
  stack = await startErasureStack({ customers: 3, prospectsPerCustomer: 120, now: NOW });
});
afterAll(async () => {
  await stack?.close();
});

/** A prospect with queued email jobs, campaign membership and events, unique identifiers. */
async function takeProspect(userId?: string): Promise<Prospect> {
  const { rows } = await stack.pool.query<Prospect>(
    `select p.id, p.user_id, p.email, p.linkedin_url from public.prospects p
      where ($1::uuid is null or p.user_id = $1)
        and p.id <> all($2::uuid[])
        and exists (select 1 from public.campaign_prospects c where c.prospect_id = p.id)
        and exists (select 1 from public.email_events e where e.prospect_id = p.id)
        and (select count(*) from public.prospects q
              where q.user_id = p.user_id and (q.email = p.email or q.linkedin_url = p.linkedin_url)) = 1
      order by p.id`,
    [userId ?? null, [...used]],
  );
  for (const row of rows) {
    const jobs = await stack.redis.smembers(redisKeys.prospectEmailJobs(row.id));
    if (jobs.length > 0) {
      used.add(row.id);
      return row;
    }
  }
  throw new Error('the seed has no prospect with queued email jobs left');
}

/**
 * Two such prospects of one customer (the erased one and its neighbour). The seed is random,
 * so the customer is one that still has two: the first prospect's customer may have none left.
 */
async function takePair(): Promise<[Prospect, Prospect]> {
  const { rows } = await stack.pool.query<{ user_id: string }>(
    'select distinct user_id from public.prospects order by user_id',
  );
  for (const { user_id } of rows) {
    const first = await takeProspect(user_id).catch(() => undefined);
    if (!first) continue;
    const second = await takeProspect(user_id).catch(() => undefined);
    if (second) return [first, second];
    used.delete(first.id);
  }
  throw new Error('the seed has no customer with two prospects with queued email jobs left');
}

/** Gives the prospect a meeting and a run of the n8n workflow shared with a neighbour. */
async function enrichFootprint(p: Prospect, neighbour: Prospect): Promise<string[]> {
  await stack.pool.query(
    `insert into public.meetings (user_id, prospect_id, starts_at, attendee_email, attendee_name, notes)
     values ($1, $2, $3, $4, 'Attendee Name', 'talked about the pilot')`,
    [p.user_id, p.id, minutes(60 * 24), p.email],
  );
  return [
    await stack.runWorkflow(p.user_id, [p.id]),
    await stack.runWorkflow(p.user_id, [p.id, neighbour.id]),
  ];
}

async function redisFootprint(p: Prospect, jobIds: string[]): Promise<number> {
  const keys = [
    redisKeys.enrichment(p.id),
    redisKeys.prospectEmailJobs(p.id),
    redisKeys.linkedinDedup(p.linkedin_url),
    ...jobIds.map(redisKeys.emailJob),
  ];
  const exists = await stack.redis.exists(...(keys as [string, ...string[]]));
  const queued = await Promise.all(jobIds.map((j) => stack.redis.zscore(redisKeys.emailQueue, j)));
  return exists + queued.filter((s) => s !== null).length;
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

function n8nHolds(text: string): number {
  return stack.n8n.executions().filter((e) =>
    JSON.stringify(e.data ?? {})
      .toLowerCase()
      .includes(text.toLowerCase()),
  ).length;
}

/** What the retry collector does each tick (collectors/erasure-retry), without its alerting. */
async function retryTick(now: Date) {
  let attempted = 0;
  let completed = 0;
  for (const id of await dueErasureRequests(stack.pool, now, 100)) {
    attempted += 1;
    if ((await advanceErasure(stack.deps(now), id)).status === 'completed') completed += 1;
  }
  return { attempted, completed };
}

describe('erasure end to end on seeded data', () => {
  it('removes the prospect from Postgres, Upstash and n8n, suppresses it and signs a receipt', async () => {
    const [p, neighbour] = await takePair();
    const executions = await enrichFootprint(p, neighbour);
    const jobIds = (await stack.redis.smembers(redisKeys.prospectEmailJobs(p.id))).map(String);
    expect(await redisFootprint(p, jobIds)).toBeGreaterThan(2);
    expect(n8nHolds(p.email)).toBe(2);
    const events = await count(
      `select count(*) n from public.email_events where prospect_id = $1`,
      [p.id],
    );

    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });

    expect(view.status).toBe('completed');
    expect(view.steps.every((s) => s.status === 'completed')).toBe(true);
    // Postgres: nothing of the prospect left; the meeting keeps its slot only.
    for (const [table, column] of [
      ['prospects', 'id'],
      ['campaign_prospects', 'prospect_id'],
      ['email_events', 'prospect_id'],
      ['meetings', 'prospect_id'],
      ['n8n_execution_ledger', 'prospect_id'],
    ] as const) {
      expect(
        await count(`select count(*) n from public.${table} where ${column} = $1`, [p.id]),
        table,
      ).toBe(0);
    }
    expect(
      await count(
        `select count(*) n from public.meetings
          where user_id = $1 and starts_at = $2 and attendee_email is null and attendee_name is null and notes is null`,
        [p.user_id, minutes(60 * 24)],
      ),
    ).toBe(1);
    expect(
      await count(`select count(*) n from public.meetings where attendee_email = $1`, [p.email]),
    ).toBe(0);
    // Upstash: every key and queue entry gone.
    expect(await redisFootprint(p, jobIds)).toBe(0);
    // n8n: both executions gone; the neighbour's other data untouched in Postgres.
    expect(n8nHolds(p.email)).toBe(0);
    expect(stack.n8n.executions().map((e) => e.id)).not.toContain(executions[0]);
    expect(
      await count(`select count(*) n from public.prospects where id = $1`, [neighbour.id]),
    ).toBe(1);
    // Suppression, audit, and the request record keeps ids only.
    expect(
      await isSuppressed(stack.pool, { userId: p.user_id, email: p.email }, { hmacKey: hmac() }),
    ).toBe(true);
    expect(
      await count(
        `select count(*) n from public.audit_log where action = 'erase' and prospect_id = $1 and request_id = $2`,
        [p.id, view.id],
      ),
    ).toBe(1);
    const record = await stack.pool.query(`select * from public.erasure_requests where id = $1`, [
      view.id,
    ]);
    // The sealed identifiers wait for the deep sweep (off the request path), then go.
    expect(record.rows[0].deep_check_status).toBe('pending');
    expect(record.rows[0].subject_sealed).not.toBeNull();
    expect(JSON.stringify(record.rows[0])).not.toContain(p.email);
    const swept = await sweepErasures({ ...stack.deps(minutes(5)) });
    expect(swept.found).toEqual([]);
    const after = await stack.pool.query(`select * from public.erasure_requests where id = $1`, [
      view.id,
    ]);
    expect(after.rows[0]).toMatchObject({ deep_check_status: 'clean', subject_sealed: null });

    // The receipt says what went where, and verifies.
    const receipt = view.receipt!;
    expect(receipt.stores.postgres).toMatchObject({
      prospectsDeleted: 1,
      emailEventsDeleted: events,
      meetingsAnonymized: 1,
    });
    expect(receipt.stores.upstash.emailJobIds.sort()).toEqual([...jobIds].sort());
    expect(receipt.stores.upstash.keysRemoved).toContain(redisKeys.linkedinDedup(p.linkedin_url));
    expect(receipt.stores.upstash.queueEntriesRemoved).toBe(jobIds.length);
    expect(receipt.stores.n8n.executionsDeleted.sort()).toEqual([...executions].sort());
    expect(receipt.stores.suppression.kinds).toEqual(['email', 'linkedin']);
    expect(receipt.verification.totalHits).toBe(0);
    expect(receipt.verification.checks.length).toBeGreaterThan(8);
    expect(receipt.residualWindows.map((w) => w.store)).toEqual(['n8n', 'postgres-backups']);
    expect(JSON.stringify(receipt)).not.toContain(p.email);
    expect(verifyReceipt(JSON.parse(JSON.stringify(receipt)), stack.signer.publicKey).ok).toBe(
      true,
    );
  });

  it('deleting twice returns the same request and receipt and writes nothing new', async () => {
    const p = await takeProspect();
    const first = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    const second = await requestErasure(stack.deps(minutes(1)), {
      userId: p.user_id,
      prospectId: p.id,
    });
    expect(second).toEqual(first);
    expect(
      await count(
        `select count(*) n from public.audit_log where action = 'erase' and prospect_id = $1`,
        [p.id],
      ),
    ).toBe(1);
  });

  it("answers NOT_FOUND for another tenant's prospect and changes nothing", async () => {
    const victim = await takeProspect();
    const { rows } = await stack.pool.query<{ id: string }>(
      `select id from auth.users where id <> $1 limit 1`,
      [victim.user_id],
    );
    const attacker = rows[0]!.id;
    await expect(
      requestErasure(stack.deps(NOW), { userId: attacker, prospectId: victim.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await count(`select count(*) n from public.prospects where id = $1`, [victim.id])).toBe(
      1,
    );
    expect(
      await count(`select count(*) n from public.erasure_requests where prospect_id = $1`, [
        victim.id,
      ]),
    ).toBe(0);
    expect(await redisFootprint(victim, [])).toBeGreaterThan(0);
  });

  it('refuses malformed ids before touching anything', async () => {
    for (const bad of ['42', 'not-a-uuid', "'; drop table prospects; --", '']) {
      await expect(
        requestErasure(stack.deps(NOW), {
          userId: '6f1c2f4e-9a7b-4c1d-8e2f-0a1b2c3d4e5f',
          prospectId: bad,
        }),
      ).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/Prospect id must be a UUID/),
      });
    }
  });
});

describe('a store down', () => {
  it('Upstash down: pending with backoff, then the retry job finishes it and nothing is left', async () => {
    const p = await takeProspect();
    const jobIds = (await stack.redis.smembers(redisKeys.prospectEmailJobs(p.id))).map(String);
    stack.bridge.faults.outage = true;
    let view;
    try {
      view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    } finally {
      stack.bridge.faults.outage = false;
    }
    expect(view.status).toBe('pending');
    const upstash = view.steps.find((s) => s.store === 'upstash')!;
    expect(upstash).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: minutes(1).toISOString(),
    });
    expect(upstash.lastError).toMatch(/unreachable or refused/);
    expect(view.steps.find((s) => s.store === 'postgres')?.status).toBe('completed');
    expect(view.steps.find((s) => s.store === 'verification')?.status).toBe('pending');
    expect(await redisFootprint(p, jobIds)).toBeGreaterThan(0);

    // Not due yet: the tick leaves it alone.
    expect((await retryTick(minutes(0.5))).attempted).toBe(0);
    const tick = await retryTick(minutes(5));
    expect(tick).toMatchObject({ attempted: 1, completed: 1 });
    expect(await redisFootprint(p, jobIds)).toBe(0);
    const done = await requestErasure(stack.deps(minutes(6)), {
      userId: p.user_id,
      prospectId: p.id,
    });
    expect(done.status).toBe('completed');
    expect(done.receipt?.stores.upstash.queueEntriesRemoved).toBe(jobIds.length);
  });

  it('n8n down: pending, then completed by the retry job with the executions deleted', async () => {
    const p = await takeProspect();
    const execution = await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.outage = true;
    let view;
    try {
      view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    } finally {
      stack.n8n.faults.outage = false;
    }
    expect(view.status).toBe('pending');
    expect(view.steps.find((s) => s.store === 'n8n')?.lastError).toMatch(/n8n server/);
    expect(n8nHolds(p.email)).toBe(1);
    await retryTick(minutes(5));
    const done = await requestErasure(stack.deps(minutes(6)), {
      userId: p.user_id,
      prospectId: p.id,
    });
    expect(done.status).toBe('completed');
    expect(done.receipt?.stores.n8n.executionsDeleted).toEqual([execution]);
    expect(n8nHolds(p.email)).toBe(0);
  });

  it('a crash after the Postgres step: the request resumes on retry', async () => {
    const p = await takeProspect();
    const jobIds = (await stack.redis.smembers(redisKeys.prospectEmailJobs(p.id))).map(String);
    const crash = stack.deps(NOW, {
      afterStep: (step) => {
        if (step === 'postgres') throw new Error('simulated crash');
      },
    });
    await expect(requestErasure(crash, { userId: p.user_id, prospectId: p.id })).rejects.toThrow(
      'simulated crash',
    );
    const steps = await stack.pool.query<{ store: string; status: string }>(
      `select s.store, s.status from public.erasure_steps s join public.erasure_requests r on r.id = s.request_id
        where r.prospect_id = $1 order by s.store`,
      [p.id],
    );
    expect(Object.fromEntries(steps.rows.map((r) => [r.store, r.status]))).toEqual({
      n8n: 'pending',
      postgres: 'completed',
      suppression: 'pending',
      upstash: 'pending',
      verification: 'pending',
    });
    // The crashed worker's lease still holds: nobody else runs it yet.
    expect((await retryTick(minutes(0.5))).attempted).toBe(0);
    expect(await retryTick(minutes(2))).toMatchObject({ attempted: 1, completed: 1 });
    expect(await redisFootprint(p, jobIds)).toBe(0);
    expect(
      await isSuppressed(
        stack.pool,
        { userId: p.user_id, linkedinUrl: p.linkedin_url },
        { hmacKey: hmac() },
      ),
    ).toBe(true);
  });
});

describe('verification', () => {
  it('finds an execution the ledger missed, records it and deletes it on the next pass', async () => {
    const p = await takeProspect();
    // A run whose ledger report never arrived: only the data search can find it.
    const stray = stack.n8n.addExecution({
      workflowId: 'wf-manual',
      status: 'success',
      data: { resultData: { runData: { Webhook: [{ json: { email: p.email } }] } } },
    });
    const first = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    expect(first.status).toBe('pending');
    expect(first.steps.find((s) => s.store === 'verification')?.lastError).toMatch(/n8n/);
    expect(first.steps.find((s) => s.store === 'n8n')?.status).toBe('pending');
    await retryTick(minutes(5));
    const done = await requestErasure(stack.deps(minutes(6)), {
      userId: p.user_id,
      prospectId: p.id,
    });
    expect(done.status).toBe('completed');
    expect(done.receipt?.stores.n8n.executionsDeleted).toContain(stray.id);
    expect(n8nHolds(p.email)).toBe(0);
  });
});

describe('n8n verification scope', () => {
  it('states in the receipt how far the n8n search went', async () => {
    const p = await takeProspect();
    const deps = stack.deps(NOW, { n8nSearchLimit: 250 });
    const view = await requestErasure(deps, { userId: p.user_id, prospectId: p.id });
    expect(view.status).toBe('completed');
    const scope = view.receipt?.verification.n8n;
    expect(scope).toMatchObject({
      ledgerExecutionsChecked: expect.any(Number),
      recentExecutionsSearched: Math.min(250, stack.n8n.executions().length),
      searchWindow: { complete: true, until: NOW.toISOString() },
    });
    expect(scope?.searchWindow.since).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('pages past the newest executions back to the prospect: deferred on the request path, then found by the retry job', async () => {
    const p = await takeProspect();
    // A run the ledger missed, then newer runs that push it past the request path's bound.
    const stray = stack.n8n.addExecution({
      workflowId: 'wf-manual',
      status: 'success',
      data: { resultData: { runData: { Webhook: [{ json: { linkedin: p.linkedin_url } }] } } },
    });
    for (let i = 0; i < 4; i++) stack.n8n.addExecution({ workflowId: 'wf-other', data: {} });

    const first = await requestErasure(stack.deps(NOW, { n8nSearchLimit: 3 }), {
      userId: p.user_id,
      prospectId: p.id,
    });
    expect(first.status).toBe('pending');
    const verification = first.steps.find((s) => s.store === 'verification');
    expect(verification?.lastError).toMatch(/deferred to the retry job/);
    expect(first.steps.filter((s) => s.status === 'completed').map((s) => s.store)).toEqual([
      'postgres',
      'upstash',
      'n8n',
      'suppression',
    ]);
    expect(await dueErasureRequests(stack.pool, NOW, 1000)).toContain(first.id);

    // The retry job's settings (collectors/registry.ts): a deeper search, then sign.
    const retry = (at: Date) =>
      advanceErasure(
        stack.deps(at, { n8nSearchLimit: 2_000, n8nSearchIncomplete: 'complete' }),
        first.id,
      );
    let done = await retry(minutes(5));
    for (let i = 2; done.status !== 'completed' && i < 8; i++) done = await retry(minutes(i * 30));
    expect(done.status).toBe('completed');
    expect(done.receipt?.stores.n8n.executionsDeleted).toContain(stray.id);
    expect(stack.n8n.executions().map((e) => e.id)).not.toContain(stray.id);
    expect(done.receipt?.verification.n8n?.searchWindow.complete).toBe(true);
    expect(done.receipt?.verification.n8n?.recentExecutionsSearched).toBeGreaterThan(3);
    expect(verifyReceipt(done.receipt, stack.signer.publicKey).ok).toBe(true);
  });
});

describe('verification of Postgres', () => {
  it('finds the email left in another row of the customer, and completes once it is gone', async () => {
    const p = await takeProspect();
    // A meeting not linked to the prospect, but with its email typed in by hand.
    await stack.pool.query(
      `insert into public.meetings (user_id, starts_at, attendee_email) values ($1, $2, $3)`,
      [p.user_id, minutes(60), p.email.toUpperCase()],
    );
    const first = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    expect(first.status).toBe('pending');
    expect(first.steps.find((s) => s.store === 'verification')?.lastError).toBe(
      'verification found data: postgres/meetings/email: 1',
    );
    await stack.pool.query(`delete from public.meetings where attendee_email = $1`, [
      p.email.toUpperCase(),
    ]);
    expect(await retryTick(minutes(5))).toEqual({ attempted: 1, completed: 1 });
  });
});

describe('verification of Upstash', () => {
  it('catches a cache key written back mid-erasure, erases it again and keeps both runs in the receipt', async () => {
    const p = await takeProspect();
    const jobIds = (await stack.redis.smembers(redisKeys.prospectEmailJobs(p.id))).map(String);
    // An enrichment still in flight writes its cache after the Upstash step ran.
    const deps = stack.deps(NOW, {
      afterStep: async (step) => {
        if (step === 'n8n') await stack.redis.set(redisKeys.enrichment(p.id), '{"late":true}');
      },
    });
    const first = await requestErasure(deps, { userId: p.user_id, prospectId: p.id });
    expect(first.status).toBe('pending');
    expect(first.steps.find((s) => s.store === 'verification')?.lastError).toMatch(
      /verification found data: upstash/,
    );
    expect(first.steps.find((s) => s.store === 'upstash')?.status).toBe('pending');
    expect(await retryTick(minutes(5))).toEqual({ attempted: 1, completed: 1 });
    const done = await requestErasure(stack.deps(minutes(6)), {
      userId: p.user_id,
      prospectId: p.id,
    });
    expect(await redisFootprint(p, jobIds)).toBe(0);
    // The first run's jobs and queue entries are still in the receipt after the second run.
    expect(done.receipt?.stores.upstash.emailJobIds).toEqual([...jobIds].sort());
    expect(done.receipt?.stores.upstash.queueEntriesRemoved).toBe(jobIds.length);
    expect(done.receipt?.stores.upstash.keysRemoved).toContain(redisKeys.enrichment(p.id));
  });
});

describe('suppression', () => {
  it('blocks a re-import of an erased person for that customer only', async () => {
    const p = await takeProspect();
    await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    const rescraped = [
      { email: p.email.toUpperCase(), linkedinUrl: null },
      {
        email: null,
        linkedinUrl: `https://www.${p.linkedin_url.replace(/^https?:\/\/(www\.)?/, '')}/?utm_source=x`,
      },
      { email: 'someone.else@example.test', linkedinUrl: null },
    ];
    const { allowed, suppressed } = await filterSuppressed(stack.pool, p.user_id, rescraped, {
      hmacKey: hmac(),
    });
    expect(suppressed).toHaveLength(2);
    expect(allowed).toEqual([rescraped[2]]);
    const otherUser = '6f1c2f4e-9a7b-4c1d-8e2f-0a1b2c3d4e5f';
    expect(
      await isSuppressed(stack.pool, { userId: otherUser, email: p.email }, { hmacKey: hmac() }),
    ).toBe(false);
    const stored = await stack.pool.query(
      `select * from public.suppression_list where user_id = $1`,
      [p.user_id],
    );
    expect(JSON.stringify(stored.rows)).not.toContain(p.email);
  });
});

function hmac(): Keyring {
  return parseKeyring(stack.config.SUPPRESSION_HMAC_KEYS as string);
}

describe('the same person on file twice', () => {
  it('erases every record with the same normalised email or LinkedIn URL, all listed on the receipt', async () => {
    const p = await takeProspect();
    const bare = p.linkedin_url.replace(/^https?:\/\/(www\.)?/, '').replace(/\/+$/, '');
    // The same email typed differently; the same profile URL written differently (with another
    // email); and a record reached only through that second email (one person, three hops).
    const copies = await stack.pool.query<{ id: string }>(
      `insert into public.prospects (user_id, full_name, email, linkedin_url, created_at)
       values ($1, 'Copy One', $2, null, $5),
              ($1, 'Copy Two', 'second.address@example.test', $3, $5),
              ($1, 'Copy Three', ' SECOND.address@example.test', $4, $5)
       returning id`,
      [
        p.user_id,
        `  ${p.email.toUpperCase()} `,
        `https://www.${bare}/?utm_source=import`,
        'https://www.linkedin.com/in/another-profile-0',
        NOW,
      ],
    );
    const ids = copies.rows.map((r) => r.id);
    for (const id of ids) await stack.redis.set(redisKeys.enrichment(id), '{"summary":"x"}');
    await stack.redis.set(
      redisKeys.linkedinDedup('https://www.linkedin.com/in/another-profile-0'),
      ids[2],
    );
    // Another customer's record of the same person is not this customer's to erase.
    const other = await stack.pool.query<{ id: string }>(
      `insert into public.prospects (user_id, email)
       select id, $1 from auth.users where id <> $2 limit 1 returning id`,
      [p.email, p.user_id],
    );

    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });

    expect(view.status).toBe('completed');
    const all = [p.id, ...ids].sort();
    expect(view.receipt?.prospectIds).toEqual(all);
    expect(view.receipt?.stores.postgres.prospectIds).toEqual(all);
    expect(view.receipt?.stores.postgres.prospectsDeleted).toBe(4);
    expect(verifyReceipt(view.receipt, stack.signer.publicKey).ok).toBe(true);
    expect(
      await count(`select count(*) n from public.prospects where id = any($1::uuid[])`, [all]),
    ).toBe(0);
    expect(
      await count(`select count(*) n from public.prospects where id = $1`, [other.rows[0]!.id]),
    ).toBe(1);
    expect(await stack.redis.exists(...ids.map(redisKeys.enrichment))).toBe(0);
    expect(
      await stack.redis.exists(
        redisKeys.linkedinDedup('https://www.linkedin.com/in/another-profile-0'),
      ),
    ).toBe(0);
    // Every identifier of the person is suppressed for this customer.
    for (const who of [
      { email: 'second.address@example.test' },
      { linkedinUrl: 'linkedin.com/in/another-profile-0' },
    ]) {
      expect(
        await isSuppressed(stack.pool, { userId: p.user_id, ...who }, { hmacKey: hmac() }),
      ).toBe(true);
    }
    // A DELETE of one of the other records answers with the same request.
    const again = await requestErasure(stack.deps(minutes(1)), {
      userId: p.user_id,
      prospectId: ids[1]!,
    });
    expect(again.id).toBe(view.id);
    expect(again.receipt).toEqual(view.receipt);
  });
});

describe('deep check (the sweep)', () => {
  it('finds a copy of the email, URL or id in any text column after completion, pages until it is gone', async () => {
    const [p, neighbour] = await takePair();
    // Copies no store step removes and the request path does not look for: free text.
    await stack.pool.query(
      `insert into public.meetings (user_id, starts_at, notes) values ($1, $2, $3)`,
      [p.user_id, minutes(90), `call ${p.email} back`],
    );
    await stack.pool.query(
      `update public.prospects set enrichment = jsonb_build_object('seenWith', $2::text)
        where id = $1`,
      [neighbour.id, p.linkedin_url.toUpperCase()],
    );
    await stack.pool.query(
      `update public.campaigns set name = $2 where id = (
         select id from public.campaigns where user_id = $1 limit 1)`,
      [p.user_id, `follow ${p.id}`],
    );

    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    expect(view.status).toBe('completed');

    const first = await sweepErasures(stack.deps(minutes(5)));
    const finding = first.found.find((f) => f.requestId === view.id);
    expect(finding).toEqual({
      requestId: view.id,
      hits: 3,
      tables: ['campaigns', 'meetings', 'prospects'],
    });
    const row = await stack.pool.query(
      `select deep_check_status, subject_sealed from public.erasure_requests where id = $1`,
      [view.id],
    );
    expect(row.rows[0].deep_check_status).toBe('found');
    expect(row.rows[0].subject_sealed).not.toBeNull(); // kept for the next check

    // An operator removes the copies; the next sweep finds none and drops the identifiers.
    await stack.pool.query(`delete from public.meetings where user_id = $1 and notes like $2`, [
      p.user_id,
      `%${p.email}%`,
    ]);
    await stack.pool.query(`update public.prospects set enrichment = null where id = $1`, [
      neighbour.id,
    ]);
    await stack.pool.query(`update public.campaigns set name = 'renamed' where name = $1`, [
      `follow ${p.id}`,
    ]);
    const second = await sweepErasures(stack.deps(minutes(10)));
    expect(second.found.map((f) => f.requestId)).not.toContain(view.id);
    const after = await stack.pool.query(
      `select deep_check_status, subject_sealed from public.erasure_requests where id = $1`,
      [view.id],
    );
    expect(after.rows[0]).toEqual({ deep_check_status: 'clean', subject_sealed: null });
  });
});
