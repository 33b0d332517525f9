import type { Queryable } from '../postgres/pool.ts';

/**
 * One audit row per runbook action that changed something (ids only: the subject is a
 * `request_id` such as `domain:<uuid>` or `pid:<n>`), actor `cli` or the caller's. Actions that
 * find nothing to do write nothing: running one twice leaves one row.
 */
export async function auditAction(
  db: Queryable,
  input: { action: string; userId: string | null; subject: string; at: Date; actor?: string },
): Promise<void> {
  await db.query(
    // The app role appends to the audit log only through this function (docs/database-roles.md).
    `select public.audit_append($1, $2, null, $3, $4, $5)`,
    [input.userId, input.action, input.at, input.subject.slice(0, 128), input.actor ?? 'cli'],
  );
}
