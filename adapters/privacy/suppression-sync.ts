/**
 * The suppression sweep: every unsubscribed prospect (unsubscribe or complaint email event,
 * Art. 21 objection) gets its suppression digests, whoever marked it. The app inserts email
 * events directly and the database trigger (migration 20261126045210) marks the prospect, but
 * the digests need `SUPPRESSION_HMAC_KEYS`, which the database never sees: this sweep, run by the
 * erasure-retry collector every 5 minutes, closes that gap.
 *
 * Idempotent (`on conflict do nothing`, and a `suppression_sync` row per prospect done) and
 * batched: each batch is one transaction, so a crash loses at most a batch's work, redone next
 * run. Two sweeps at once are harmless (both inserts are conflict-free no-ops the second time).
 */
import { type SuppressionReason, suppressionDigests } from '../../core/privacy/suppression.ts';
import type { Keyring } from '../../core/privacy/keyring.ts';
import { type Pool, withTransaction } from '../postgres/pool.ts';

export interface SuppressionSyncOptions {
  /** `SUPPRESSION_HMAC_KEYS`. */
  hmacKey: Keyring;
  now: Date;
  /** Prospects per transaction (default 500). */
  batchSize?: number;
  /** Batches per run (default 20); the rest wait for the next run. */
  maxBatches?: number;
}

export interface SuppressionSyncSummary {
  /** Prospects whose suppression was added (or found already there) in this run. */
  synced: number;
  batches: number;
  /** More unsynced prospects are left than this run's bound allowed. */
  remaining: boolean;
}

interface Row {
  id: string;
  user_id: string;
  email: string | null;
  linkedin_url: string | null;
  reason: SuppressionReason;
}

export async function syncSuppressions(
  pool: Pool,
  options: SuppressionSyncOptions,
): Promise<SuppressionSyncSummary> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  const summary: SuppressionSyncSummary = { synced: 0, batches: 0, remaining: false };
  while (summary.batches < maxBatches) {
    const done = await withTransaction(pool, async (client) => {
      // A complaint outranks an unsubscribe as the reason; neither → the objection route.
      const { rows } = await client.query<Row>(
        `select p.id, p.user_id, p.email, p.linkedin_url,
                coalesce((select e.type from public.email_events e
                           where e.prospect_id = p.id and e.type in ('complaint', 'unsubscribe')
                           order by e.type = 'complaint' desc, e.occurred_at
                           limit 1), 'objection') as reason
           from public.prospects p
          where p.status = 'unsubscribed'
            and not exists (select 1 from public.suppression_sync s where s.prospect_id = p.id)
          order by p.unsubscribed_at, p.id
          limit $1`,
        [batchSize],
      );
      // One insert per batch: the digests are computed here, where the key is.
      const entries = rows.flatMap((row) =>
        suppressionDigests(options.hmacKey, {
          email: row.email,
          linkedinUrl: row.linkedin_url,
        }).map((d) => ({ ...d, userId: row.user_id, reason: row.reason })),
      );
      if (entries.length > 0) {
        await client.query(
          `insert into public.suppression_list (user_id, kind, digest, reason, created_at, key_id)
           select u, k, d, r, $5, $6 from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) as x(u, k, d, r)
           on conflict on constraint suppression_list_entry_key do nothing`,
          [
            entries.map((e) => e.userId),
            entries.map((e) => e.kind),
            entries.map((e) => e.digest),
            entries.map((e) => e.reason),
            options.now,
            options.hmacKey.current.id,
          ],
        );
      }
      await markSynced(
        client,
        rows.map((r) => ({ prospectId: r.id, reason: r.reason })),
        options.now,
      );
      return rows.length;
    });
    summary.batches += 1;
    summary.synced += done;
    if (done < batchSize) return summary;
  }
  summary.remaining = true;
  return summary;
}

/** Records prospects whose suppression digests exist (also called by the consent verbs). */
export async function markSynced(
  db: Pick<Pool, 'query'>,
  entries: ReadonlyArray<{ prospectId: string; reason: SuppressionReason }>,
  now: Date,
): Promise<void> {
  const usable = entries.filter((e) => e.reason !== 'erasure');
  if (usable.length === 0) return;
  await db.query(
    `insert into public.suppression_sync (prospect_id, reason, synced_at)
     select x.id, x.reason, $3 from unnest($1::uuid[], $2::text[]) as x(id, reason)
     on conflict (prospect_id) do nothing`,
    [usable.map((e) => e.prospectId), usable.map((e) => e.reason), now],
  );
}
