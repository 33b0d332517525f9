/**
 * The verification after an erasure: re-query every store for the person's ids, emails and
 * LinkedIn URLs and count what is still there. Zero hits everywhere completes the request.
 *
 * - Postgres, on the request path (`verifyPostgres`, targeted, every probe an index lookup):
 *   every `public` table with a `prospect_id` column (plus `prospects.id`), read from the
 *   catalog so a table added later is checked too; and the identifier columns
 *   (`IDENTIFIER_COLUMNS`) of the customer's rows by normalised value, through the
 *   `*_norm_idx` expression indexes.
 * - Postgres, deep (`deepVerifyPostgres`, run after completion by the erasure-retry
 *   collector's sweep, adapters/privacy/erasure-sweep.ts): every text/varchar/jsonb/array
 *   column of every row of the customer (tables with `user_id`) for the emails, URLs and ids.
 *   Left out on purpose: `audit_log` and `erasure_requests` (the record of the erasure itself,
 *   ids only) and `suppression_list` (keyed digests).
 * - Upstash: the keys the layout names, the email jobs found at erasure time, their queue
 *   entries.
 * - n8n: each execution the ledger named (must be 404), and a search of the newest executions'
 *   data (`includeData=true`) for the id, email and URL, paged back to the prospect's creation
 *   within a bound; the receipt states how far it got (`verification.n8n`). An execution found
 *   there was missing from the ledger, so it is added to it for the n8n step to delete. The
 *   search asks for the data n8n would withhold (`ignoreDataSizeLimit`, unredacted); an
 *   execution that still comes back without readable data cannot be verified: it counts as a
 *   hit ("cannot verify"), never as clean.
 */
import type { Redis } from '@upstash/redis';
import { assertNewCursor, executionDataWithheld, type N8nClient } from '../n8n/client.ts';
import type { Pool, Queryable } from '../postgres/pool.ts';
import type {
  N8nVerificationScope,
  UpstashErasureResult,
  VerificationCheck,
  VerificationResult,
} from '../../core/privacy/receipt.ts';
import type { ErasureSubject } from '../../core/privacy/subject-seal.ts';
import { personIdentifiers } from '../../core/privacy/person.ts';
import { normalizeEmail } from '../../core/privacy/suppression.ts';
import { normalizeLinkedinUrl, prospectKeys, redisKeys } from '../../core/redis-keys.ts';
import type { Target } from './erasure-stores.ts';

const EXCLUDED_TABLES = new Set([
  'audit_log',
  'erasure_requests',
  'erasure_steps',
  'suppression_list',
  'rate_limit_windows',
  'alert_outbox',
]);

interface Column {
  table: string;
  column: string;
  type: string;
}

interface Schema {
  prospectIdTables: string[];
  /** Text-like columns per table, for tables scoped by `user_id`. */
  textColumns: Map<string, string[]>;
}

const SCHEMA_TTL_MS = 60_000;
const schemas = new WeakMap<object, { at: number; schema: Promise<Schema> }>();

/** The catalog read is cached per pool for a minute: it runs on every erasure. */
function schemaOf(pool: Queryable): Promise<Schema> {
  const cached = schemas.get(pool);
  if (cached && performance.now() - cached.at < SCHEMA_TTL_MS) return cached.schema;
  const schema = readSchema(pool);
  schemas.set(pool, { at: performance.now(), schema });
  schema.catch(() => schemas.delete(pool));
  return schema;
}

async function readSchema(pool: Queryable): Promise<Schema> {
  const { rows } = await pool.query<Column>(
    `select c.table_name as table, c.column_name as column, c.data_type as type
       from information_schema.columns c
       join information_schema.tables t
         on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, Column[]>();
  for (const row of rows) {
    if (EXCLUDED_TABLES.has(row.table)) continue;
    byTable.set(row.table, [...(byTable.get(row.table) ?? []), row]);
  }
  const prospectIdTables: string[] = [];
  const textColumns = new Map<string, string[]>();
  for (const [table, columns] of byTable) {
    const names = new Set(columns.map((c) => c.column));
    if (names.has('prospect_id')) prospectIdTables.push(table);
    if (!names.has('user_id')) continue;
    const text = columns
      .filter((c) => ['text', 'character varying', 'jsonb', 'json', 'ARRAY'].includes(c.type))
      .map((c) => c.column);
    if (text.length > 0) textColumns.set(table, text);
  }
  return { prospectIdTables, textColumns };
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The columns where the app keeps a person's identifiers, each with an index on its normalised
 * value per customer (migrations/20261130100000_index_erasure_identifiers.sql). A test checks
 * that every column of a customer table named like an email or a LinkedIn URL is listed here.
 */
export const IDENTIFIER_COLUMNS = [
  { table: 'prospects', column: 'email', probe: 'email' },
  { table: 'prospects', column: 'linkedin_url', probe: 'linkedin-url' },
  { table: 'meetings', column: 'attendee_email', probe: 'email' },
] as const;

const NORMALIZE = {
  email: 'public.vigie_normalize_email',
  'linkedin-url': 'public.vigie_normalize_linkedin_url',
} as const;

/**
 * The request path's Postgres check: index lookups only, so its cost does not grow with the
 * customer's size. One statement, one round trip.
 */
export async function verifyPostgres(
  pool: Pool,
  target: Target,
  subject: ErasureSubject,
): Promise<VerificationCheck[]> {
  const query = await targetedQuery(pool, target, subject);
  return runChecks(pool, query.parts, query.params);
}

/** The request path's statement (exported for the plan test: index lookups only). */
export async function targetedQuery(
  pool: Queryable,
  target: Target,
  subject: ErasureSubject,
): Promise<{ parts: string[]; params: unknown[] }> {
  const schema = await schemaOf(pool);
  const who = personIdentifiers(subject);
  const parts: string[] = [
    `select 'prospects' as target, 'prospect-id' as probe, count(*)::int as hits from public.prospects where id = any($1::uuid[])`,
  ];
  for (const table of schema.prospectIdTables) {
    parts.push(
      `select '${table}', 'prospect-id', count(*)::int from public.${ident(table)} where prospect_id = any($1::uuid[])`,
    );
  }
  const params: unknown[] = [target.prospectIds, target.userId, who.emails, who.linkedinUrls];
  // Every probe is written even without a value to look for: each parameter must appear.
  for (const { table, column, probe } of IDENTIFIER_COLUMNS) {
    const fn = NORMALIZE[probe];
    const param = probe === 'email' ? '$3' : '$4';
    parts.push(
      `select '${table}', '${probe}', count(*)::int from public.${ident(table)}
        where user_id = $2
          and ${fn}(${ident(column)}) = any(array(select ${fn}(x) from unnest(${param}::text[]) x))`,
    );
  }
  return { parts, params };
}

/**
 * The deep check: every text-like column of every row of the customer, for each of the
 * person's emails, LinkedIn URLs and record ids (lowercased, substring). A full read of the
 * customer's data, so it runs in the background sweep, never on the request path.
 */
export async function deepVerifyPostgres(
  pool: Queryable,
  target: Target,
  subject: ErasureSubject,
): Promise<VerificationCheck[]> {
  const schema = await schemaOf(pool);
  const who = personIdentifiers(subject);
  const needles: Array<{ probe: 'email' | 'linkedin-url' | 'prospect-id'; value: string }> = [
    ...who.emails.map((e) => ({ probe: 'email' as const, value: normalizeEmail(e) })),
    ...who.linkedinUrls.map((u) => ({
      probe: 'linkedin-url' as const,
      value: normalizeLinkedinUrl(u),
    })),
    ...target.prospectIds.map((id) => ({ probe: 'prospect-id' as const, value: id.toLowerCase() })),
  ];
  const params: unknown[] = [target.prospectIds, target.userId, ...needles.map((n) => n.value)];
  const parts: string[] = [
    `select 'prospects' as target, 'prospect-id' as probe, count(*)::int as hits from public.prospects where id = any($1::uuid[])`,
  ];
  for (const table of schema.prospectIdTables) {
    parts.push(
      `select '${table}', 'prospect-id', count(*)::int from public.${ident(table)} where prospect_id = any($1::uuid[])`,
    );
  }
  const probes = [...new Set(needles.map((n) => n.probe))];
  // One pass per table: each row's text columns lowered once, then each probe counted.
  const counts = probes.map((probe) => {
    const any = needles
      .map((n, i) => (n.probe === probe ? `strpos(t, $${i + 3}) > 0` : undefined))
      .filter((c) => c !== undefined)
      .join(' or ');
    return `count(*) filter (where ${any})::int`;
  });
  const values = probes.map((probe, i) => `('${probe}', s.h${i})`).join(', ');
  for (const [table, columns] of schema.textColumns) {
    const text = columns.map((c) => `${ident(c)}::text`).join(', ');
    parts.push(
      `select '${table}', v.probe, v.hits from (
         select ${counts.map((c, i) => `${c} as h${i}`).join(', ')}
           from (select lower(concat_ws(' ', ${text})) as t
                   from public.${ident(table)} where user_id = $2) x
       ) s cross join lateral (values ${values}) as v(probe, hits)`,
    );
  }
  return runChecks(pool, parts, params);
}

async function runChecks(
  pool: Queryable,
  parts: string[],
  params: unknown[],
): Promise<VerificationCheck[]> {
  const { rows } = await pool.query<{ target: string; probe: string; hits: number }>(
    parts.join('\nunion all\n'),
    params,
  );
  return rows.map((r) => ({
    store: 'postgres' as const,
    probe: r.probe as VerificationCheck['probe'],
    target: r.target,
    hits: Number(r.hits),
  }));
}

export async function verifyUpstash(
  redis: Redis,
  target: Target,
  subject: ErasureSubject,
  erased: UpstashErasureResult | undefined,
): Promise<VerificationCheck[]> {
  const direct = target.prospectIds.flatMap((id) => prospectKeys({ id }).direct);
  const dedupKeys = [
    ...new Set(personIdentifiers(subject).linkedinUrls.map(redisKeys.linkedinDedup)),
  ];
  const jobIds = erased?.emailJobIds ?? [];
  const keys = [...direct, ...jobIds.map(redisKeys.emailJob)];
  const p = redis.pipeline();
  for (const key of keys) p.exists(key);
  for (const key of dedupKeys) p.get(key);
  if (jobIds.length > 0) {
    const [first, ...rest] = jobIds as [string, ...string[]];
    p.zmscore(redisKeys.emailQueue, [first, ...rest]);
  }
  const results = (await p.exec()) as unknown[];
  const checks: VerificationCheck[] = [
    {
      store: 'upstash',
      probe: 'key',
      target: `${keys.length} keys of the layout`,
      hits: keys.reduce((n, _k, i) => n + (Number(results[i]) > 0 ? 1 : 0), 0),
    },
  ];
  let next = keys.length;
  if (dedupKeys.length > 0) {
    const owned = new Set(target.prospectIds);
    checks.push({
      store: 'upstash',
      probe: 'linkedin-url',
      target: 'app:dedup:linkedin:*',
      hits: dedupKeys.filter((_k, i) => owned.has(String(results[next + i]))).length,
    });
    next += dedupKeys.length;
  }
  if (jobIds.length > 0) {
    const scores = (results[next] as unknown[] | null) ?? [];
    checks.push({
      store: 'upstash',
      probe: 'prospect-id',
      target: redisKeys.emailQueue,
      hits: scores.filter((s) => s !== null).length,
    });
  }
  return checks;
}

/** n8n's largest page (`limit` ≤ 250). */
const N8N_MAX_PAGE = 250;

export interface N8nVerification {
  checks: VerificationCheck[];
  scope: N8nVerificationScope;
}

/**
 * The n8n part of the scan. The ledger's executions are fetched one by one (each must be 404).
 * Then a search for executions the ledger missed (their report was lost): the newest
 * executions with their data, page after page through n8n's cursor, back to `since` (the
 * prospect's creation: nothing older can hold it) or the end of the list, but never more than
 * `maxExecutions` per call. The scope says exactly how far it got. An execution found is added
 * to the ledger so the n8n step deletes it.
 */
export async function verifyN8n(
  pool: Pool,
  n8n: N8nClient,
  target: Target,
  subject: ErasureSubject,
  options: {
    executionIds: readonly string[];
    maxExecutions: number;
    since?: Date | undefined;
    now: Date;
  },
): Promise<N8nVerification> {
  let ledgerHits = 0;
  for (const id of options.executionIds) {
    if ((await n8n.getExecution(id)) !== undefined) ledgerHits += 1;
  }
  const who = personIdentifiers(subject);
  const needles = [
    ...target.prospectIds.map((id) => id.toLowerCase()),
    ...who.emails.map(normalizeEmail),
    ...who.linkedinUrls.map(normalizeLinkedinUrl),
  ];
  const found: Array<{ id: string; workflowId: string }> = [];
  /** Executions n8n returned without readable data even when asked for it. */
  const unreadable: string[] = [];
  const since = options.since?.getTime();
  let searched = 0;
  let oldest: string | null = null;
  let complete = false;
  let cursor: string | undefined;
  const followed = new Set<string>();
  while (searched < options.maxExecutions) {
    const page = await n8n.listExecutions({
      includeData: true,
      ignoreDataSizeLimit: true,
      redactExecutionData: false,
      limit: Math.min(N8N_MAX_PAGE, options.maxExecutions - searched),
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const execution of page.data) {
      searched += 1;
      if (execution.startedAt !== null) oldest = execution.startedAt;
      if (executionDataWithheld(execution) !== undefined) {
        unreadable.push(execution.id);
      } else {
        const text = JSON.stringify(execution.data ?? null).toLowerCase();
        if (needles.some((n) => text.includes(n))) {
          found.push({ id: execution.id, workflowId: execution.workflowId });
        }
      }
      // n8n lists newest first (by id): one started before the prospect existed ends the window.
      const started = execution.startedAt === null ? NaN : Date.parse(execution.startedAt);
      if (since !== undefined && started < since) complete = true;
    }
    if (complete || page.nextCursor === null || page.data.length === 0) {
      complete = true;
      break;
    }
    // A cursor given twice pages in a loop: the same executions searched again are no search.
    assertNewCursor(followed, page.nextCursor);
    cursor = page.nextCursor;
  }
  if (found.length > 0) {
    // Missing from the ledger (its report failed): record it so the n8n step deletes it.
    await pool.query(
      `insert into public.n8n_execution_ledger (execution_id, workflow_id, user_id, prospect_id, recorded_at)
       select e, w, $3, $4, $5 from unnest($1::text[], $2::text[]) as x(e, w)
       on conflict (execution_id, prospect_id) do nothing`,
      [
        found.map((f) => f.id),
        found.map((f) => f.workflowId),
        target.userId,
        target.prospectId,
        options.now,
      ],
    );
  }
  return {
    checks: [
      {
        store: 'n8n',
        probe: 'execution',
        target: `GET /executions/{id} of the ledger (${options.executionIds.length})`,
        hits: ledgerHits,
      },
      {
        store: 'n8n',
        probe: 'prospect-id',
        target: `GET /executions?includeData=true: newest ${searched}${complete ? ", back to the prospect's creation" : ', window not fully covered'}`,
        hits: found.length,
      },
      {
        // Too large or redacted even when asked for: cannot verify, so never counted clean.
        store: 'n8n',
        probe: 'execution',
        target: `executions returned without readable data (too large or redacted): ${unreadable.length}`,
        hits: unreadable.length,
      },
    ],
    scope: {
      ledgerExecutionsChecked: options.executionIds.length,
      recentExecutionsSearched: searched,
      searchWindow: {
        since: options.since === undefined ? null : options.since.toISOString(),
        oldestSearched: oldest,
        until: options.now.toISOString(),
        complete,
      },
    },
  };
}

export function summarize(
  checks: VerificationCheck[],
  at: Date,
  n8n?: N8nVerificationScope,
): VerificationResult {
  return {
    at: at.toISOString(),
    checks,
    totalHits: checks.reduce((n, c) => n + c.hits, 0),
    ...(n8n === undefined ? {} : { n8n }),
  };
}
