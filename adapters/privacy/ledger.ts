/**
 * The n8n execution ledger: which executions processed which prospect, reported by the app's
 * workflows (their first node posts `{executionId, workflowId, userId, prospectIds}`). Erasure
 * deletes exactly these executions through n8n's API instead of searching execution data.
 */
import * as z from 'zod';
import type { Queryable } from '../postgres/pool.ts';

const uuid = z.uuid({ message: 'expected a UUID' });
const n8nId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'expected an n8n id (1–64 of A-Z a-z 0-9 _ -)' }),
  );

/** What a workflow reports; strict, so a payload carrying prospect data is refused, not stored. */
export const ledgerReportSchema = z.strictObject({
  executionId: n8nId,
  workflowId: n8nId,
  userId: uuid,
  prospectIds: z.array(uuid).min(1, { message: 'expected at least one prospect id' }).max(1000),
});

export type LedgerReport = z.output<typeof ledgerReportSchema>;

/** Records a report (idempotent: a repeated report changes nothing). Returns rows added. */
export async function recordExecution(
  db: Queryable,
  report: LedgerReport,
  now: Date,
): Promise<number> {
  const result = await db.query(
    `insert into public.n8n_execution_ledger (execution_id, workflow_id, user_id, prospect_id, recorded_at)
     select $1, $2, $3, p, $5 from unnest($4::uuid[]) as p
     on conflict (execution_id, prospect_id) do nothing`,
    [report.executionId, report.workflowId, report.userId, [...new Set(report.prospectIds)], now],
  );
  return result.rowCount ?? 0;
}
