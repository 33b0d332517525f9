import type { Redis } from '@upstash/redis';
import { VigieError } from '../../core/errors.ts';
import { redisKeys } from '../../core/redis-keys.ts';
import {
  generateSeed,
  seedOptionProblems,
  SEED_TABLE_ORDER,
  type CustomerSeed,
  type SeedOptions,
  type SeedTables,
} from '../../core/seed/generate.ts';
import { withTransaction, type Pool, type PoolClient, type Queryable } from './pool.ts';

export interface SeedInput extends SeedOptions {
  /** When given, the app's Redis keys are written too (email queue, enrichment cache, dedup). */
  redis?: Redis;
  /**
   * Add customers to an already seeded database (another `seed` number gives other ids), e.g.
   * one large tenant beside the default ones in the erasure benchmark. Off by default.
   */
  addCustomers?: boolean;
}

export interface SeedResult {
  /** Rows per table, plus `redis_commands` when a client was given. */
  rows: Record<string, number>;
  ms: number;
}

interface Column<R> {
  name: string;
  /** Postgres element type of the unnest array. */
  type: string;
  get: (row: R) => unknown;
  /** Select expression over the unnest alias when the column is not passed as is. */
  expr?: string;
}

type Spec<R> = { table: string; columns: Array<Column<R>> };
type Specs = { [K in keyof SeedTables]: Spec<SeedTables[K][number]> };

const json = (v: unknown) => (v == null ? null : JSON.stringify(v));

/** Column lists per table. Each batch is one `insert … select from unnest($1::t[], …)` per table. */
const specs: Specs = {
  auth_users: {
    table: 'auth.users',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'email', type: 'text', get: (r) => r.email },
      { name: 'raw_user_meta_data', type: 'jsonb', get: (r) => json(r.raw_user_meta_data) },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  profiles: {
    table: 'public.profiles',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'company', type: 'text', get: (r) => r.company },
      { name: 'plan', type: 'text', get: (r) => r.plan },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  sending_domains: {
    table: 'public.sending_domains',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'domain', type: 'text', get: (r) => r.domain },
      { name: 'verified_at', type: 'timestamptz', get: (r) => r.verified_at },
      { name: 'dkim_status', type: 'text', get: (r) => r.dkim_status },
      { name: 'spf_status', type: 'text', get: (r) => r.spf_status },
      { name: 'dmarc_status', type: 'text', get: (r) => r.dmarc_status },
      { name: 'dmarc_policy', type: 'text', get: (r) => r.dmarc_policy },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  calendar_connections: {
    table: 'public.calendar_connections',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'provider', type: 'text', get: (r) => r.provider },
      { name: 'status', type: 'text', get: (r) => r.status },
      { name: 'access_token_encrypted', type: 'text', get: (r) => r.access_token_encrypted },
      { name: 'refresh_token_encrypted', type: 'text', get: (r) => r.refresh_token_encrypted },
      { name: 'token_expires_at', type: 'timestamptz', get: (r) => r.token_expires_at },
      // unnest cannot carry an array per row: pass it joined.
      {
        name: 'scopes',
        type: 'text',
        get: (r) => r.scopes.join(' '),
        expr: `string_to_array(scopes, ' ')`,
      },
      { name: 'last_synced_at', type: 'timestamptz', get: (r) => r.last_synced_at },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  campaigns: {
    table: 'public.campaigns',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'name', type: 'text', get: (r) => r.name },
      { name: 'status', type: 'text', get: (r) => r.status },
      { name: 'steps', type: 'smallint', get: (r) => r.steps },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  prospects: {
    table: 'public.prospects',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'full_name', type: 'text', get: (r) => r.full_name },
      { name: 'email', type: 'text', get: (r) => r.email },
      { name: 'company', type: 'text', get: (r) => r.company },
      { name: 'title', type: 'text', get: (r) => r.title },
      { name: 'linkedin_url', type: 'text', get: (r) => r.linkedin_url },
      { name: 'location', type: 'text', get: (r) => r.location },
      { name: 'headline', type: 'text', get: (r) => r.headline },
      { name: 'enrichment', type: 'jsonb', get: (r) => json(r.enrichment) },
      { name: 'enriched_at', type: 'timestamptz', get: (r) => r.enriched_at },
      { name: 'status', type: 'text', get: (r) => r.status },
      { name: 'unsubscribed_at', type: 'timestamptz', get: (r) => r.unsubscribed_at },
      { name: 'consent_given', type: 'boolean', get: (r) => r.consent_given },
      { name: 'consent_date', type: 'timestamptz', get: (r) => r.consent_date },
      { name: 'consent_source', type: 'text', get: (r) => r.consent_source },
      { name: 'lawful_basis', type: 'text', get: (r) => r.lawful_basis },
      { name: 'art14_notice_sent_at', type: 'timestamptz', get: (r) => r.art14_notice_sent_at },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
      { name: 'updated_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  campaign_prospects: {
    table: 'public.campaign_prospects',
    columns: [
      { name: 'campaign_id', type: 'uuid', get: (r) => r.campaign_id },
      { name: 'prospect_id', type: 'uuid', get: (r) => r.prospect_id },
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'step', type: 'smallint', get: (r) => r.step },
      { name: 'status', type: 'text', get: (r) => r.status },
      { name: 'last_sent_at', type: 'timestamptz', get: (r) => r.last_sent_at },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
  email_events: {
    table: 'public.email_events',
    columns: [
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'prospect_id', type: 'uuid', get: (r) => r.prospect_id },
      { name: 'campaign_id', type: 'uuid', get: (r) => r.campaign_id },
      { name: 'sending_domain_id', type: 'uuid', get: (r) => r.sending_domain_id },
      { name: 'type', type: 'text', get: (r) => r.type },
      { name: 'step', type: 'smallint', get: (r) => r.step },
      { name: 'occurred_at', type: 'timestamptz', get: (r) => r.occurred_at },
      { name: 'message_id', type: 'text', get: (r) => r.message_id },
    ],
  },
  meetings: {
    table: 'public.meetings',
    columns: [
      { name: 'id', type: 'uuid', get: (r) => r.id },
      { name: 'user_id', type: 'uuid', get: (r) => r.user_id },
      { name: 'prospect_id', type: 'uuid', get: (r) => r.prospect_id },
      { name: 'calendar_connection_id', type: 'uuid', get: (r) => r.calendar_connection_id },
      { name: 'starts_at', type: 'timestamptz', get: (r) => r.starts_at },
      { name: 'ends_at', type: 'timestamptz', get: (r) => r.ends_at },
      { name: 'attendee_email', type: 'text', get: (r) => r.attendee_email },
      { name: 'attendee_name', type: 'text', get: (r) => r.attendee_name },
      { name: 'notes', type: 'text', get: (r) => r.notes },
      { name: 'status', type: 'text', get: (r) => r.status },
      { name: 'created_at', type: 'timestamptz', get: (r) => r.created_at },
    ],
  },
};

/** Rows per insert statement: large enough to amortise round trips, small enough for memory. */
const BATCH_ROWS = 40_000;
const REDIS_PIPELINE = 1_000;

async function insertRows<R>(client: PoolClient, spec: Spec<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const names = spec.columns.map((c) => c.name);
  const arrays = spec.columns.map((c) => rows.map(c.get));
  const unnest = spec.columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const select = spec.columns.map((c) => c.expr ?? c.name).join(', ');
  await client.query(
    `insert into ${spec.table} (${names.join(', ')}) select ${select} from unnest(${unnest}) as u(${names.join(', ')})`,
    arrays,
  );
}

function emptyTables(): SeedTables {
  return Object.fromEntries(SEED_TABLE_ORDER.map((t) => [t, []])) as unknown as SeedTables;
}

async function insertBatch(client: PoolClient, batch: SeedTables): Promise<void> {
  for (const table of SEED_TABLE_ORDER) {
    await insertRows(client, specs[table] as Spec<unknown>, batch[table] as unknown[]);
  }
}

/** Whether the app's tables already hold data (false too when migrations have not run). */
export async function isSeeded(pool: Queryable): Promise<boolean> {
  // Two queries: a missing table fails at parse time, before any `and` could short-circuit.
  const table = await pool.query<{ t: string | null }>(
    `select to_regclass('public.prospects')::text as t`,
  );
  if (!table.rows[0]?.t) return false;
  const result = await pool.query('select 1 from public.prospects limit 1');
  return (result.rowCount ?? 0) > 0;
}

/**
 * Inserts the deterministic seed (see `core/seed/generate.ts`) with multi-row `unnest`
 * inserts, one transaction per batch of customers, and writes the app's Redis keys when a
 * client is given. Refuses a database that already has prospects.
 */
export async function seed(pool: Pool, input: SeedInput): Promise<SeedResult> {
  const started = performance.now();
  const problems = seedOptionProblems(input);
  if (problems.length > 0) {
    throw new VigieError('BAD_REQUEST', `Invalid seed options: ${problems.join('; ')}.`);
  }
  // The check reads public.prospects only once migrations ran; before, say so.
  const migrated = await pool.query<{ t: string | null }>(
    `select to_regclass('public.prospects')::text as t`,
  );
  if (!migrated.rows[0]?.t) {
    throw new VigieError(
      'CONFLICT',
      'The app schema is missing: run `vigie migrate` before seeding.',
    );
  }
  if (input.addCustomers !== true && (await isSeeded(pool))) {
    throw new VigieError(
      'CONFLICT',
      'The database already has prospects: seed only an empty database (create a fresh one and run `vigie migrate`).',
    );
  }

  const { customers, prospectsPerCustomer, seed: seedNumber, now } = input;
  const rows: Record<string, number> = Object.fromEntries(SEED_TABLE_ORDER.map((t) => [t, 0]));
  const redisQueue: CustomerSeed['redis'][] = [];

  // One transaction: a failed seed leaves the database empty, ready for another try.
  await withTransaction(pool, async (client) => {
    let batch = emptyTables();
    let batchRows = 0;
    let inFlight: Promise<void> = Promise.resolve();
    for (const customer of generateSeed({
      customers,
      prospectsPerCustomer,
      seed: seedNumber,
      now,
    })) {
      for (const table of SEED_TABLE_ORDER) {
        const list = customer.tables[table] as unknown[];
        for (const row of list) (batch[table] as unknown[]).push(row);
        rows[table] = (rows[table] ?? 0) + list.length;
        batchRows += list.length;
      }
      if (input.redis) redisQueue.push(customer.redis);
      if (batchRows >= BATCH_ROWS) {
        // Generate the next batch while Postgres writes this one (one batch in flight).
        await inFlight;
        inFlight = insertBatch(client, batch);
        inFlight.catch(() => {});
        batch = emptyTables();
        batchRows = 0;
      }
    }
    await inFlight;
    await insertBatch(client, batch);
  });

  if (input.redis) rows.redis_commands = await writeRedis(input.redis, redisQueue);
  return { rows, ms: Math.round(performance.now() - started) };
}

/** Writes queue jobs (hash + queue + per-prospect index), enrichment cache and dedup keys. */
async function writeRedis(redis: Redis, customers: CustomerSeed['redis'][]): Promise<number> {
  let pipeline = redis.pipeline();
  let pending = 0;
  let total = 0;
  const add = async (n: number) => {
    pending += n;
    total += n;
    if (pending >= REDIS_PIPELINE) {
      await pipeline.exec();
      pipeline = redis.pipeline();
      pending = 0;
    }
  };
  for (const c of customers) {
    for (const job of c.emailJobs) {
      pipeline.hset(redisKeys.emailJob(job.jobId), {
        user_id: job.userId,
        prospect_id: job.prospectId,
        campaign_id: job.campaignId,
        to: job.to,
        subject: job.subject,
        body: job.body,
        due_at: String(job.dueAt),
      });
      pipeline.zadd(redisKeys.emailQueue, { score: job.dueAt, member: job.jobId });
      pipeline.sadd(redisKeys.prospectEmailJobs(job.prospectId), job.jobId);
      await add(3);
    }
    for (const e of c.enrichments) {
      pipeline.set(redisKeys.enrichment(e.prospectId), e.json, { ex: e.ttlSeconds });
      await add(1);
    }
    for (const d of c.dedup) {
      pipeline.set(redisKeys.linkedinDedup(d.linkedinUrl), d.prospectId);
      await add(1);
    }
  }
  if (pending > 0) await pipeline.exec();
  return total;
}
