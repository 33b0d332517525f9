import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyring } from '../../core/privacy/keyring.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import {
  advanceErasure,
  dueErasureRequests,
  requestErasure,
} from '../../adapters/privacy/erasure.ts';
import { isSuppressed } from '../../adapters/privacy/suppression.ts';
import { sweepErasures } from '../../adapters/privacy/erasure-sweep.ts';
import { syncSuppressions } from '../../adapters/privacy/suppression-sync.ts';
import { redisKeys } from '../../core/redis-keys.ts';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { run } from './run.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
let stack: ErasureStack;

beforeAll(async () => {
  stack = await startErasureStack({ customers: 2, prospectsPerCustomer: 60, now: NOW });
});
afterAll(async () => {
  await stack?.close();
});

const taken = new Set<string>();
async function takeProspect(): Promise<{ id: string; user_id: string }> {
  const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
    `select p.id, p.user_id from public.prospects p
      where p.id <> all($1::uuid[])
        and (select count(*) from public.prospects q where q.user_id = p.user_id
              and (q.email = p.email or q.linkedin_url = p.linkedin_url)) = 1
        and exists (select 1 from public.campaign_prospects c where c.prospect_id = p.id)
      order by p.id limit 1`,
    [[...taken]],
  );
  taken.add(rows[0]!.id);
  return rows[0]!;
}

function tick(now: Date) {
  return run(
    {
      db: stack.pool,
      raise,
      due: dueErasureRequests,
      advance: (id) => advanceErasure(stack.deps(now), id),
    },
    now,
  );
}

describe('erasure-retry collector', () => {
  it('adds the suppression record of a prospect the app unsubscribed by a plain INSERT', async () => {
    const p = await takeProspect();
    await stack.pool.query(
      `insert into public.email_events (user_id, prospect_id, type, occurred_at)
       values ($1, $2, 'unsubscribe', $3)`,
      [p.user_id, p.id, NOW],
    );
    const key = parseKeyring(stack.config.SUPPRESSION_HMAC_KEYS as string);
    const { rows } = await stack.pool.query<{ email: string; linkedin_url: string }>(
      'select email, linkedin_url from public.prospects where id = $1',
      [p.id],
    );
    const who = { userId: p.user_id, email: rows[0]!.email, linkedinUrl: rows[0]!.linkedin_url };
    expect(await isSuppressed(stack.pool, who, { hmacKey: key })).toBe(false);
    const summary = await run(
      {
        db: stack.pool,
        raise,
        due: dueErasureRequests,
        advance: (id) => advanceErasure(stack.deps(NOW), id),
        syncSuppressions: () => syncSuppressions(stack.pool, { hmacKey: key, now: NOW }),
      },
      NOW,
    );
    expect(summary.suppression).toMatchObject({ remaining: false });
    expect((summary.suppression as { synced: number }).synced).toBeGreaterThanOrEqual(1);
    expect(await isSuppressed(stack.pool, who, { hmacKey: key })).toBe(true);
  });

  it('finishes an erasure left pending by an Upstash outage, leaving nothing behind', async () => {
    const p = await takeProspect();
    stack.bridge.faults.outage = true;
    let view;
    try {
      view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    } finally {
      stack.bridge.faults.outage = false;
    }
    expect(view.status).toBe('pending');
    const summary = await tick(minutes(5));
    expect(summary).toMatchObject({
      collector: 'erasure-retry',
      attempted: 1,
      completed: 1,
      stillPending: 0,
      status: 'ok',
    });
    expect(
      await stack.redis.exists(redisKeys.enrichment(p.id), redisKeys.prospectEmailJobs(p.id)),
    ).toBe(0);
    expect(summary.metrics).toContainEqual({
      name: 'vigie_erasure_completed',
      value: 1,
      labels: {},
    });
  });

  it('pages erasure-verification-failed through the real outbox, naming the store', async () => {
    const p = await takeProspect();
    const { rows } = await stack.pool.query<{ email: string }>(
      'select email from public.prospects where id = $1',
      [p.id],
    );
    // A meeting not linked to the prospect, its email typed by hand: no store step removes it.
    await stack.pool.query(
      `insert into public.meetings (user_id, starts_at, attendee_email) values ($1, $2, $3)`,
      [p.user_id, minutes(60), rows[0]!.email],
    );
    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    expect(view.status).toBe('pending');
    // Eleven attempts already spent: the next verification is the twelfth and last.
    await stack.pool.query(
      `update public.erasure_steps set attempts = 11, next_attempt_at = $2
        where request_id = $1`,
      [view.id, NOW],
    );
    const summary = await tick(minutes(90));
    expect(summary.failed).toBe(1);
    expect(summary.alertsRaised).toContainEqual({
      alertId: 'erasure-verification-failed',
      labels: { erasureRequestId: view.id, remaining: 1, store: 'postgres' },
    });
    const outbox = await stack.pool.query(
      `select 1 from alert_outbox
        where alert_id = 'erasure-verification-failed' and labels->>'erasureRequestId' = $1`,
      [view.id],
    );
    expect(outbox.rows).toHaveLength(1);
    // Every later tick pages again (deduplicated in the outbox) instead of crashing.
    expect((await tick(minutes(95))).alertsRaised.map((a) => a.alertId)).toContain(
      'erasure-verification-failed',
    );
    // Leave no failed request for the other tests' ticks.
    await stack.pool.query('delete from public.erasure_requests where id = $1', [view.id]);
  });

  it('runs the deep check of completed erasures and pages a copy left in free text until it is gone', async () => {
    const p = await takeProspect();
    const { rows } = await stack.pool.query<{ email: string }>(
      'select email from public.prospects where id = $1',
      [p.id],
    );
    await stack.pool.query(
      `insert into public.meetings (user_id, starts_at, notes) values ($1, $2, $3)`,
      [p.user_id, minutes(60), `ask ${rows[0]!.email} for the deck`],
    );
    const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    expect(view.status).toBe('completed'); // the request path does not read free text
    const sweepTick = (now: Date) =>
      run(
        {
          db: stack.pool,
          raise,
          due: dueErasureRequests,
          advance: (id) => advanceErasure(stack.deps(now), id),
          sweep: () => sweepErasures(stack.deps(now)),
        },
        now,
      );
    const first = await sweepTick(minutes(5));
    expect(first.alertsRaised).toContainEqual({
      alertId: 'erasure-verification-failed',
      labels: { erasureRequestId: view.id, remaining: 1, store: 'postgres' },
    });
    expect(first.status).toBe('alerting');
    await stack.pool.query(`delete from public.meetings where user_id = $1 and notes like $2`, [
      p.user_id,
      `%${rows[0]!.email}%`,
    ]);
    const second = await sweepTick(minutes(10));
    expect(second.alertsRaised.map((a) => a.labels.erasureRequestId)).not.toContain(view.id);
    expect(second.deepCheck).toMatchObject({ found: 0 });
  });

  it('pages erasure-overdue after an hour when a step keeps failing, not after 12 attempts', async () => {
    const p = await takeProspect();
    await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.outage = true;
    let id: string;
    try {
      const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
      id = view.id;
      const early = await tick(minutes(30));
      expect(early.alertsRaised.map((a) => a.labels.erasureRequestId)).not.toContain(view.id);
      const summary = await tick(minutes(65));
      expect(summary.alertsRaised).toContainEqual({
        alertId: 'erasure-overdue',
        labels: { erasureRequestId: view.id, ageHours: 1, step: 'n8n' },
      });
    } finally {
      stack.n8n.faults.outage = false;
    }
    const recovered = await tick(minutes(3 * 60));
    expect(recovered.completed).toBeGreaterThanOrEqual(1);
    expect(recovered.alertsRaised.map((a) => a.labels.erasureRequestId)).not.toContain(id);
  });

  it('pages erasure-overdue for a request stuck for a day, naming the step', async () => {
    const p = await takeProspect();
    await stack.runWorkflow(p.user_id, [p.id]);
    stack.n8n.faults.outage = true;
    try {
      const view = await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
      const later = minutes(25 * 60);
      const summary = await tick(later);
      expect(summary.attempted).toBe(1);
      expect(summary.stillPending).toBe(1);
      expect(summary.alertsRaised).toContainEqual({
        alertId: 'erasure-overdue',
        labels: { erasureRequestId: view.id, ageHours: 25, step: 'n8n' },
      });
      expect(summary.status).toBe('alerting');
      const { rows } = await stack.pool.query(
        `select 1 from alert_outbox
          where alert_id = 'erasure-overdue' and labels->>'erasureRequestId' = $1`,
        [view.id],
      );
      expect(rows).toHaveLength(1);
    } finally {
      stack.n8n.faults.outage = false;
    }
    const recovered = await tick(minutes(26 * 60));
    expect(recovered.completed).toBe(1);
    expect(recovered.alertsRaised).toEqual([]);
  });
});
