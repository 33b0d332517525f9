import { runVigie } from './drills/runner.ts';
import type { Drill, DrillEnv } from './drills/types.ts';

/**
 * A customer erases a prospect an n8n workflow enriched (DELETE /prospects/{id}, as the app
 * does) while n8n's public API answers 500: the Postgres records go at once, the n8n step (delete
 * the executions that hold the prospect) fails and is retried with backoff → after an hour of
 * failing the erasure-retry collector pages `erasure-overdue` naming the request and `n8n`.
 * n8n comes back; the runbook retries the request now and verifies it (completed, the signed
 * receipt verifies, the row is gone). Steady once the collector no longer pages it and a
 * second DELETE answers 200 with the receipt.
 */
export const drill: Drill = {
  runbook: 'privacy-erasure',
  alert: 'erasure-overdue',
  collector: 'erasure-retry',
  fault: "n8n's public API answers 500 while a prospect it holds is erased",
  deployedStaging: false,
  async target(env) {
    // A prospect with nobody else's record of the same person, least recently created (the
    // game day's privacy check takes the newest), not the n8n drill's first customer.
    const { rows } = await env.pool.query<{ id: string; user_id: string }>(
      `select p.id, p.user_id from public.prospects p
        where p.user_id <> (select user_id from public.prospects order by user_id limit 1)
          and not exists (select 1 from public.erasure_requests r where r.prospect_id = p.id)
        order by p.created_at, p.id limit 1`,
    );
    const p = rows[0];
    if (!p || !env.n8nWebhookUrl) throw new Error('no prospect or no n8n webhook to drill on');
    // The workflow enriches it: its executions (and our ledger) now hold the prospect.
    const run = await fetch(`${env.n8nWebhookUrl.replace(/\/+$/, '')}/webhook/scrape-and-enrich`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: p.user_id, prospects: [{ id: p.id }] }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!run.ok) throw new Error(`the n8n workflow answered ${run.status}`);
    await run.body?.cancel();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rowCount } = await env.pool.query(
        'select 1 from public.n8n_execution_ledger where prospect_id = $1',
        [p.id],
      );
      if (rowCount) break;
      if (Date.now() > deadline) throw new Error('the workflow never reported to the ledger');
      await new Promise((r) => setTimeout(r, 200));
    }
    // The customer's token, minted before the fault so the DELETE follows it at once (a
    // child process takes seconds here: staging minutes the detection would be charged with).
    // Kept out of the target, which the journal records.
    tokens.set(
      p.id,
      (await runVigie(`npx vigie dev token --user ${p.user_id}`, env.commandEnv)).trim(),
    );
    return { prospectId: p.id, userId: p.user_id };
  },
  inject: () => ({ standIn: 'n8n', mode: 'api-5xx' }),
  matches: (labels, t) =>
    t.erasureRequestId !== undefined && labels.erasureRequestId === t.erasureRequestId,
  clearBeforeResolution: true,
  faultEnds: "n8n's API back",
  // The user's erasure, once, while n8n fails: its request id is what the alert will name.
  async traffic(env, t) {
    const res = await erase(env, t).catch((error: unknown) => ({
      status: 0,
      body: { status: String(error) } as Record<string, unknown>,
    }));
    if (res.status === 202 && typeof res.body.requestId === 'string') {
      t.erasureRequestId = res.body.requestId;
    } else {
      // The journal's target shows it (the runner does not wait on traffic's outcome).
      t.deleteAnswered = `${res.status} ${String(res.body.status).slice(0, 200)}`;
    }
  },
  async steady(env, t) {
    // Before the fault there is no request yet: steady is "the prospect is there".
    if (t.erasureRequestId === undefined) {
      const { rowCount } = await env.pool.query('select 1 from public.prospects where id = $1', [
        t.prospectId,
      ]);
      return rowCount === 1;
    }
    const { rows } = await env.pool.query<{ status: string; receipt: unknown }>(
      'select status, receipt from public.erasure_requests where id = $1',
      [t.erasureRequestId],
    );
    if (rows[0]?.status !== 'completed' || rows[0].receipt === null) return false;
    // As the user sees it: the same DELETE again answers 200 with the signed receipt.
    const again = await erase(env, t);
    return (
      again.status === 200 &&
      again.body.status === 'completed' &&
      (again.body.receipt as { requestId?: string } | undefined)?.requestId === t.erasureRequestId
    );
  },
};

/** Customer tokens (`npx vigie dev token`, as a person gets one), by prospect id. */
const tokens = new Map<string, string>();

/** DELETE /prospects/{id} as the customer. */
async function erase(env: DrillEnv, t: Record<string, string>) {
  const res = await fetch(`${env.appUrl}/prospects/${t.prospectId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${tokens.get(t.prospectId!) ?? ''}` },
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
