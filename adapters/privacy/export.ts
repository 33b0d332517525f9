import Cursor from 'pg-cursor';
import { EXPORT_SCHEMA_VERSION, art15Context } from '../../core/privacy/art15.ts';
import type { Pool, PoolClient } from '../postgres/pool.ts';

/**
 * The Art. 15 / Art. 20 export of everything a customer has in the app, as one JSON document
 * written incrementally to a `ReadableStream`: memory stays bounded by one batch of rows
 * whatever the account's size.
 *
 * - `pg-cursor` (a server-side portal read N rows at a time) rather than `pg-query-stream`:
 *   reads are pull-based, which maps one-to-one onto `ReadableStream.pull`, so the HTTP
 *   client's pace throttles Postgres with no Node-stream-to-web-stream bridge in between.
 * - Postgres renders each row as JSON (`row_to_json`): no per-row JS objects, exact types
 *   (timestamps in UTC ISO 8601, jsonb kept as JSON).
 * - One REPEATABLE READ, read-only transaction: every section comes from the same snapshot.
 * - Counts are a trailer (`counts`, then `complete: true`), known once each section has been
 *   streamed: counting first would cost a second scan of every table. A response without the
 *   trailer was cut short (the stream errors; the client sees an aborted transfer).
 */

export interface ExportOptions {
  userId: string;
  now: Date;
  /** Request id recorded on the `export` audit row. */
  requestId?: string;
  /** Rows per cursor read (default 100: ~130 kB chunks keep the peak RSS low, see bench/privacy-export.ts). */
  batchSize?: number;
}

export interface UserExport {
  stream: ReadableStream<Uint8Array>;
  /** `vigie-export-<YYYY-MM-DD>.json` */
  filename: string;
  generatedAt: string;
}

interface Section {
  name: string;
  /** Selects the section's rows for user `$1`, in a stable order. */
  sql: string;
}

/** Every table holding the user's data, with the columns exported (secrets left out). */
export const exportSections: readonly Section[] = [
  {
    name: 'prospects',
    sql: `select id, full_name, email, company, title, linkedin_url, location, headline,
                 enrichment, enriched_at, status, unsubscribed_at, consent_given, consent_date,
                 consent_source, lawful_basis, art14_notice_sent_at, created_at, updated_at
            from public.prospects where user_id = $1 order by created_at, id`,
  },
  {
    name: 'campaigns',
    sql: `select id, name, status, steps, created_at, updated_at
            from public.campaigns where user_id = $1 order by created_at, id`,
  },
  {
    name: 'campaign_prospects',
    sql: `select campaign_id, prospect_id, step, status, last_sent_at, created_at, updated_at
            from public.campaign_prospects where user_id = $1 order by campaign_id, prospect_id`,
  },
  {
    name: 'meetings',
    sql: `select id, prospect_id, calendar_connection_id, starts_at, ends_at, attendee_email,
                 attendee_name, notes, status, created_at, updated_at
            from public.meetings where user_id = $1 order by starts_at, id`,
  },
  {
    name: 'email_events',
    sql: `select id, prospect_id, campaign_id, sending_domain_id, type, step, occurred_at, message_id
            from public.email_events where user_id = $1 order by id`,
  },
  {
    name: 'sending_domains',
    sql: `select id, domain, verified_at, dkim_status, spf_status, dmarc_status, dmarc_policy,
                 created_at, updated_at
            from public.sending_domains where user_id = $1 order by created_at, id`,
  },
  {
    // OAuth tokens are secrets of the integration, not personal data to hand out: left out.
    name: 'calendar_connections',
    sql: `select id, provider, status, token_expires_at, scopes, last_synced_at, created_at, updated_at
            from public.calendar_connections where user_id = $1 order by created_at, id`,
  },
  {
    // The sealed subject and the worker lease are internals of the erasure, not the user's data.
    name: 'erasure_requests',
    sql: `select id, prospect_id, requested_at, due_at, status, completed_at, attempts, receipt
            from public.erasure_requests where user_id = $1 order by requested_at, id`,
  },
];

const PROFILE_SQL = `
  select row_to_json(t)::text as j from (
    select u.id, u.email, u.created_at as account_created_at, p.company, p.plan, p.timezone,
           p.created_at, p.updated_at
      from auth.users u left join public.profiles p on p.id = u.id
     where u.id = $1
  ) t`;

/**
 * Writes the `export` audit row, opens the snapshot and returns the stream. Connection or
 * snapshot errors throw here, before any byte is sent, so the route can still answer an error.
 */
export async function exportUserData(pool: Pool, options: ExportOptions): Promise<UserExport> {
  const batchSize = options.batchSize ?? 100;
  const generatedAt = options.now.toISOString();
  // Durable before attempted: the access is on record even if the download is abandoned.
  await pool.query(`select public.audit_append($1, 'export', null, $3, $2)`, [
    options.userId,
    options.requestId ?? null,
    options.now,
  ]);
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    await client.query(`set local timezone = 'UTC'`);
  } catch (error) {
    await release(client);
    throw error;
  }
  const state = { released: false };
  const chunks = documentChunks(client, state, options.userId, generatedAt, batchSize);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        // The client went away: the generator's finally closes the cursor and the transaction
        // (or, if it never started, nothing ran and the connection is released here).
        await chunks.return(undefined);
        if (!state.released) {
          state.released = true;
          await release(client);
        }
      },
    },
    { highWaterMark: 1 },
  );
  return { stream, filename: `vigie-export-${generatedAt.slice(0, 10)}.json`, generatedAt };
}

async function* documentChunks(
  client: PoolClient,
  state: { released: boolean },
  userId: string,
  generatedAt: string,
  batchSize: number,
): AsyncGenerator<string, void, undefined> {
  try {
    const counts: Record<string, number> = {};
    const profile = await client.query<{ j: string }>(PROFILE_SQL, [userId]);
    yield (
      `{"schema_version":${JSON.stringify(EXPORT_SCHEMA_VERSION)},` +
      `"generated_at":${JSON.stringify(generatedAt)},"user_id":${JSON.stringify(userId)},` +
      `"art15":${JSON.stringify(art15Context)},"profile":${profile.rows[0]?.j ?? 'null'}`
    );
    for (const section of exportSections) {
      const cursor = client.query(
        new Cursor<{ j: string }>(`select row_to_json(t)::text as j from (${section.sql}) t`, [
          userId,
        ]),
      );
      let count = 0;
      try {
        yield `,${JSON.stringify(section.name)}:[`;
        for (;;) {
          const rows = await cursor.read(batchSize);
          if (rows.length === 0) break;
          let text = count === 0 ? '' : ',';
          text += rows.map((r) => r.j).join(',');
          count += rows.length;
          yield text;
        }
        yield ']';
      } finally {
        await cursor.close();
      }
      counts[section.name] = count;
    }
    yield `,"counts":${JSON.stringify(counts)},"complete":true}\n`;
  } finally {
    if (!state.released) {
      state.released = true;
      await release(client);
    }
  }
}

async function release(client: PoolClient): Promise<void> {
  try {
    await client.query('rollback');
    client.release();
  } catch (error) {
    // A connection that cannot even roll back is not handed back to the pool.
    client.release(error instanceof Error ? error : true);
  }
}
