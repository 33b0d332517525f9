import { VigieError } from '../../core/errors.ts';
import type { N8nClient } from '../n8n/client.ts';
import type { Queryable } from '../postgres/pool.ts';
import { auditAction } from './audit.ts';

export interface RequeueResult {
  failedFound: number;
  requeued: Array<{ executionId: string; newExecutionId: string | null; status: string }>;
  skipped: Array<{
    executionId: string;
    reason: 'already-requeued' | 'retried-in-n8n' | 'no-ledger';
  }>;
}

/**
 * Re-runs a workflow's failed executions (error or crashed) since a time, once each: the
 * prospects each one held come from our execution ledger (the workflow reported them to
 * `POST /hooks/n8n/ledger` before it failed), and go back through the workflow's webhook.
 * An execution already requeued (audited) or retried in n8n (`retrySuccessId`) is skipped, so
 * running it twice requeues nothing more.
 */
export async function requeueFailedExecutions(
  deps: {
    db: Queryable;
    n8n: Pick<N8nClient, 'iterateExecutions' | 'getExecution'>;
    webhookUrl: string;
    now: Date;
    /**
     * How long to follow the new executions to their end (default 2 min, polled every
     * second): the webhook answers before the run, as n8n's "Respond to Webhook" does.
     */
    follow?: { timeoutMs: number; pollMs: number };
  },
  workflowId: string,
  since: Date,
): Promise<RequeueResult> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(workflowId)) {
    throw new VigieError('BAD_REQUEST', `"${workflowId.slice(0, 70)}" is not an n8n workflow id.`);
  }
  const result: RequeueResult = { failedFound: 0, requeued: [], skipped: [] };
  for (const status of ['error', 'crashed'] as const) {
    for await (const e of deps.n8n.iterateExecutions({ status, workflowId, limit: 250 })) {
      if (e.startedAt !== null && new Date(e.startedAt) < since) break;
      result.failedFound += 1;
      if (e.retrySuccessId) {
        result.skipped.push({ executionId: e.id, reason: 'retried-in-n8n' });
        continue;
      }
      const subject = `n8n-execution:${e.id}`;
      const done = await deps.db.query(
        `select 1 from public.audit_log where action = 'runbook.n8n_requeue' and request_id = $1 limit 1`,
        [subject],
      );
      if ((done.rowCount ?? 0) > 0) {
        result.skipped.push({ executionId: e.id, reason: 'already-requeued' });
        continue;
      }
      const { rows } = await deps.db.query<{
        user_id: string;
        id: string;
        linkedin_url: string | null;
      }>(
        `select l.user_id, p.id, p.linkedin_url
           from public.n8n_execution_ledger l
           join public.prospects p on p.id = l.prospect_id
          where l.execution_id = $1`,
        [e.id],
      );
      const userId = rows[0]?.user_id;
      if (!userId) {
        result.skipped.push({ executionId: e.id, reason: 'no-ledger' });
        continue;
      }
      const response = await fetch(
        `${deps.webhookUrl.replace(/\/+$/, '')}/webhook/scrape-and-enrich`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            userId,
            prospects: rows.map((r) => ({
              id: r.id,
              ...(r.linkedin_url ? { linkedinUrl: r.linkedin_url } : {}),
            })),
          }),
          signal: AbortSignal.timeout(30_000),
        },
      );
      const body = (await response.json().catch(() => ({}))) as {
        executionId?: string;
        status?: string;
      };
      await auditAction(deps.db, { action: 'runbook.n8n_requeue', userId, subject, at: deps.now });
      result.requeued.push({
        executionId: e.id,
        newExecutionId: body.executionId ?? null,
        status: body.status ?? `http-${response.status}`,
      });
    }
  }
  await followToTheEnd(deps, result.requeued);
  return result;
}

/** Statuses an execution does not leave. */
export const ENDED_STATUSES: ReadonlySet<string> = new Set([
  'success',
  'error',
  'crashed',
  'canceled',
]);

/** Updates each requeued entry's status until every new execution ended or the time is up. */
async function followToTheEnd(
  deps: Pick<Parameters<typeof requeueFailedExecutions>[0], 'n8n' | 'follow'>,
  requeued: RequeueResult['requeued'],
): Promise<void> {
  const { timeoutMs, pollMs } = deps.follow ?? { timeoutMs: 120_000, pollMs: 1_000 };
  const deadline = Date.now() + timeoutMs;
  let pending = requeued.filter((r) => r.newExecutionId !== null && !ENDED_STATUSES.has(r.status));
  while (pending.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    for (const r of pending) {
      const e = await deps.n8n.getExecution(r.newExecutionId!);
      if (e) r.status = e.status;
    }
    pending = pending.filter((r) => !ENDED_STATUSES.has(r.status));
  }
}
