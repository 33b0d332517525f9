import type { Drill } from './drills/types.ts';

/**
 * PhantomBuster answers 5xx: every scrape-and-enrich execution fails → the failure rate passes
 * the threshold → once PhantomBuster is back, the runbook requeues the failed executions.
 */
export const drill: Drill = {
  runbook: 'n8n-failures',
  alert: 'n8n-failure-rate-high',
  collector: 'n8n-failure-rate',
  fault: 'PhantomBuster 5xx: every workflow execution ends in error',
  deployedStaging: true,
  async target(env) {
    const { rows } = await env.pool.query<{ user_id: string; ids: string[] }>(
      `select user_id, (array_agg(id order by id))[1:2] as ids from public.prospects
        group by user_id order by user_id limit 1`,
    );
    if (!rows[0] || !env.n8nWebhookUrl)
      throw new Error('no prospects or no n8n webhook to drill on');
    return {
      workflowId: 'wf-scrape-and-enrich',
      userId: rows[0].user_id,
      prospects: rows[0].ids.join(','),
    };
  },
  inject: () => ({ standIn: 'n8n', mode: 'phantombuster-5xx' }),
  matches: (labels, t) => labels.workflowId === t.workflowId,
  clearBeforeResolution: true,
  // The workflow keeps being triggered, as campaigns do, while PhantomBuster is down: three
  // triggers at a time. One at a time made about 12 executions a staging hour on a full-size
  // game day at 600× (each waits on the app's ledger hook), under the 20 finished executions
  // the failure rate needs in its hour before it means anything (FAILURE_RATE_MIN_SAMPLE).
  async traffic(env, t, stop) {
    const trigger = async () => {
      while (!stop.aborted) {
        await fetch(`${env.n8nWebhookUrl!.replace(/\/+$/, '')}/webhook/scrape-and-enrich`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            userId: t.userId,
            prospects: (t.prospects ?? '').split(',').map((id) => ({ id })),
          }),
          signal: AbortSignal.timeout(10_000),
        })
          .then((r) => r.body?.cancel())
          .catch(() => {});
        await new Promise((r) => setTimeout(r, 150));
      }
    };
    await Promise.all([trigger(), trigger(), trigger()]);
  },
};
