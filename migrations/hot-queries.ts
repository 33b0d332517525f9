/**
 * The app's hot queries, listed once: `README.md` shows them and `hot-queries.int.test.ts`
 * proves with EXPLAIN, on seeded volume, that each is served by the index named here.
 * Keep the SQL as the app writes it (parameters, not literals).
 */
export interface HotQueryContext {
  userId: string;
  campaignId: string;
  prospectId: string;
  linkedinUrl: string;
  messageId: string;
  now: Date;
}

export interface HotQuery {
  id: string;
  /** What the app does with it. */
  purpose: string;
  /** The large table the query must not scan sequentially. */
  table: string;
  /** The index (from `20261126000400_add_hot_query_indexes.sql` or a key) expected to serve it. */
  index: string;
  sql: string;
  params: (ctx: HotQueryContext) => unknown[];
}

const DAY_MS = 24 * 3600 * 1000;
const ago = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();

/**
 * The statements Vigie itself runs are defined here, once: the collectors import these
 * constants, and the EXPLAIN test proves the very same text. (The others in the list are the
 * app's queries, kept as the app writes them.)
 */

/**
 * Deliverability collector: per sending domain, sent, bounce and complaint counts over the
 * last 24 h ($1 = now − 24 h) and 7 d ($2 = now − 7 d, $3 = now): one index range scan per
 * domain (a lateral subquery; a plain join group-by let the planner scan all email events).
 */
export const DOMAIN_HEALTH_SQL = `select d.id, d.domain, d.sending_paused_at is not null as paused,
       s.sent24, s.bounces24, s.complaints24,
       s.sent7, s.bounces7, s.complaints7
from public.sending_domains d
cross join lateral (
  select count(*) filter (where e.type = 'sent' and e.occurred_at >= $1) as sent24,
         count(*) filter (where e.type = 'bounce' and e.occurred_at >= $1) as bounces24,
         count(*) filter (where e.type = 'complaint' and e.occurred_at >= $1) as complaints24,
         count(*) filter (where e.type = 'sent') as sent7,
         count(*) filter (where e.type = 'bounce') as bounces7,
         count(*) filter (where e.type = 'complaint') as complaints7
  from public.email_events e
  where e.sending_domain_id = d.id and e.occurred_at >= $2 and e.occurred_at < $3
) s
order by d.id`;

/**
 * Retention purge: unsubscribed prospects past the cutoff ($1), keyset-paged after
 * ($2 unsubscribed_at, $3 id) — both null for the first page — $4 rows at a time.
 */
export const RETENTION_UNSUBSCRIBED_SQL = `select id::text, user_id::text, unsubscribed_at::text
from public.prospects
where status = 'unsubscribed' and unsubscribed_at < $1
  and ($2::timestamptz is null or (unsubscribed_at, id) > ($2::timestamptz, $3::uuid))
order by unsubscribed_at, id
limit $4`;

export const hotQueries: readonly HotQuery[] = [
  {
    id: 'prospects-by-status',
    purpose: "A customer's prospect list filtered by status, newest first (the main app screen).",
    table: 'prospects',
    index: 'prospects_user_status_created_idx',
    sql: `select id, full_name, company, title, status, created_at
from public.prospects
where user_id = $1 and status = $2
order by created_at desc
limit 50`,
    params: (c) => [c.userId, 'contacted'],
  },
  {
    id: 'prospects-newest',
    purpose: "A customer's prospects, newest first, all statuses.",
    table: 'prospects',
    index: 'prospects_user_created_idx',
    sql: `select id, full_name, company, status, created_at
from public.prospects
where user_id = $1
order by created_at desc
limit 50`,
    params: (c) => [c.userId],
  },
  {
    id: 'prospect-dedup-linkedin',
    purpose: 'Before inserting a scraped profile: does this customer already have it?',
    table: 'prospects',
    index: 'prospects_user_linkedin_idx',
    sql: `select id
from public.prospects
where user_id = $1 and linkedin_url = $2`,
    params: (c) => [c.userId, c.linkedinUrl],
  },
  {
    id: 'retention-unsubscribed',
    purpose:
      'Retention purge (collectors/retention-purge): unsubscribed prospects older than 30 days, keyset pages of 500.',
    table: 'prospects',
    index: 'prospects_unsubscribed_at_idx',
    sql: RETENTION_UNSUBSCRIBED_SQL,
    params: (c) => [ago(c.now, 30), null, null, 500],
  },
  {
    id: 'art14-notice-due',
    purpose:
      'GDPR Art. 14: prospects held under legitimate interest not yet informed, oldest first.',
    table: 'prospects',
    index: 'prospects_art14_due_idx',
    sql: `select id, user_id, created_at
from public.prospects
where art14_notice_sent_at is null
  and lawful_basis = 'legitimate_interest'
  and created_at < $1
order by created_at
limit 500`,
    params: (c) => [ago(c.now, 25)],
  },
  {
    id: 'campaign-members-by-status',
    purpose:
      "A campaign's members in one status, least recently contacted first (the sender's next batch).",
    table: 'campaign_prospects',
    index: 'campaign_prospects_campaign_status_idx',
    sql: `select prospect_id, step, last_sent_at
from public.campaign_prospects
where campaign_id = $1 and status = $2
order by last_sent_at nulls first
limit 100`,
    params: (c) => [c.campaignId, 'active'],
  },
  {
    id: 'prospect-campaigns',
    purpose: "A prospect's campaign memberships (prospect page, erasure cascade).",
    table: 'campaign_prospects',
    index: 'campaign_prospects_prospect_idx',
    sql: `select campaign_id, step, status
from public.campaign_prospects
where prospect_id = $1`,
    params: (c) => [c.prospectId],
  },
  {
    id: 'user-events-window',
    purpose: "A customer's email events of one type in a time window (dashboard counters).",
    table: 'email_events',
    index: 'email_events_user_type_occurred_idx',
    sql: `select count(*)
from public.email_events
where user_id = $1 and type = $2 and occurred_at >= $3 and occurred_at < $4`,
    params: (c) => [c.userId, 'bounce', ago(c.now, 7), c.now.toISOString()],
  },
  {
    id: 'domain-health',
    purpose:
      'Deliverability collector: sent, bounce and complaint counts per sending domain, 24 h and 7 d.',
    table: 'email_events',
    index: 'email_events_domain_occurred_idx',
    sql: DOMAIN_HEALTH_SQL,
    params: (c) => [ago(c.now, 1), ago(c.now, 7), c.now.toISOString()],
  },
  {
    id: 'prospect-events',
    purpose: "A prospect's email timeline (prospect page, access export).",
    table: 'email_events',
    index: 'email_events_prospect_occurred_idx',
    sql: `select type, step, occurred_at
from public.email_events
where prospect_id = $1
order by occurred_at`,
    params: (c) => [c.prospectId],
  },
  {
    id: 'campaign-event-counts',
    purpose: "A campaign's funnel: events per type.",
    table: 'email_events',
    index: 'email_events_campaign_type_idx',
    sql: `select type, count(*)
from public.email_events
where campaign_id = $1
group by type`,
    params: (c) => [c.campaignId],
  },
  {
    id: 'event-by-message-id',
    purpose: "Provider webhook (bounce, complaint): find the sent message's event.",
    table: 'email_events',
    index: 'email_events_message_id_idx',
    sql: `select id, user_id, prospect_id, sending_domain_id
from public.email_events
where message_id = $1`,
    params: (c) => [c.messageId],
  },
  {
    id: 'upcoming-meetings',
    purpose: "A customer's next scheduled meetings.",
    table: 'meetings',
    index: 'meetings_user_starts_idx',
    sql: `select id, prospect_id, starts_at, ends_at, status
from public.meetings
where user_id = $1 and starts_at >= $2 and status = 'scheduled'
order by starts_at
limit 20`,
    params: (c) => [c.userId, c.now.toISOString()],
  },
];
