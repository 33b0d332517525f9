import type { EmailJobInput } from '../email-queue.ts';
import { createRng, deriveSeed, type Rng } from './prng.ts';
import * as W from './words.ts';

/**
 * Deterministic seed data for the app: the same `{ customers, prospectsPerCustomer, seed, now }`
 * always yields the same rows. Pure: the adapter inserts what this yields. Rows use the
 * tables' column names; timestamps are ISO strings.
 *
 * Shape of a customer's data (defaults chosen to look like a working outbound SaaS):
 * prospects created over the last 120 days, 85 % enriched; about 70 % of the enriched ones in
 * one of 3–6 campaigns; 2–4 step sequences 3–5 days apart over the last 90 days; per message
 * ~0.8 % bounce, ~0.1 % complaint, ~0.6 % unsubscribe, ~5 % reply; a third of replies book a
 * meeting. Two customers' first sending domains are deliberately unhealthy (`troubledDomains`:
 * one Red on bounces, one Amber) so local staging shows the deliverability score and its alert
 * without paging for every domain.
 */
export interface SeedOptions {
  customers: number;
  prospectsPerCustomer: number;
  seed: number;
  now: Date;
}

export interface SeedRates {
  bounce: number;
  complaint: number;
  unsubscribe: number;
  reply: number;
  meetingPerReply: number;
  /** Customers (by index) whose first sending domain bounces at `bounce` instead. */
  troubledDomains: readonly { customer: number; bounce: number }[];
}

export const DEFAULT_RATES: SeedRates = {
  // A verified B2B list: under 1 %, so healthy domains sit well inside the 2 % green band.
  bounce: 0.008,
  complaint: 0.001,
  unsubscribe: 0.006,
  reply: 0.05,
  meetingPerReply: 0.35,
  troubledDomains: [
    { customer: 3, bounce: 0.09 },
    { customer: 11, bounce: 0.03 },
  ],
};

export interface AuthUserRow {
  id: string;
  email: string;
  raw_user_meta_data: Record<string, unknown>;
  created_at: string;
}
export interface ProfileRow {
  id: string;
  company: string;
  plan: string;
  created_at: string;
}
export interface ProspectRow {
  id: string;
  user_id: string;
  full_name: string;
  email: string;
  company: string;
  title: string;
  linkedin_url: string;
  location: string;
  headline: string;
  enrichment: Record<string, unknown> | null;
  enriched_at: string | null;
  status: string;
  unsubscribed_at: string | null;
  consent_given: boolean;
  consent_date: string | null;
  consent_source: string | null;
  lawful_basis: string;
  art14_notice_sent_at: string | null;
  created_at: string;
}
export interface CampaignRow {
  id: string;
  user_id: string;
  name: string;
  status: string;
  steps: number;
  created_at: string;
}
export interface CampaignProspectRow {
  campaign_id: string;
  prospect_id: string;
  user_id: string;
  step: number;
  status: string;
  last_sent_at: string | null;
  created_at: string;
}
export interface SendingDomainRow {
  id: string;
  user_id: string;
  domain: string;
  verified_at: string | null;
  dkim_status: string;
  spf_status: string;
  dmarc_status: string;
  dmarc_policy: string | null;
  created_at: string;
}
export interface EmailEventRow {
  user_id: string;
  prospect_id: string;
  campaign_id: string;
  sending_domain_id: string;
  type: 'sent' | 'delivered' | 'bounce' | 'complaint' | 'unsubscribe';
  step: number;
  occurred_at: string;
  message_id: string;
}
export interface CalendarConnectionRow {
  id: string;
  user_id: string;
  provider: string;
  status: string;
  access_token_encrypted: string;
  refresh_token_encrypted: string;
  token_expires_at: string;
  scopes: string[];
  last_synced_at: string;
  created_at: string;
}
export interface MeetingRow {
  id: string;
  user_id: string;
  prospect_id: string;
  calendar_connection_id: string | null;
  starts_at: string;
  ends_at: string;
  attendee_email: string;
  attendee_name: string;
  notes: string;
  status: string;
  created_at: string;
}

export interface SeedTables {
  auth_users: AuthUserRow[];
  profiles: ProfileRow[];
  sending_domains: SendingDomainRow[];
  calendar_connections: CalendarConnectionRow[];
  campaigns: CampaignRow[];
  prospects: ProspectRow[];
  campaign_prospects: CampaignProspectRow[];
  email_events: EmailEventRow[];
  meetings: MeetingRow[];
}

/** The tables in foreign-key order (parents first). */
export const SEED_TABLE_ORDER: ReadonlyArray<keyof SeedTables> = [
  'auth_users',
  'profiles',
  'sending_domains',
  'calendar_connections',
  'campaigns',
  'prospects',
  'campaign_prospects',
  'email_events',
  'meetings',
];

/** An email waiting in the app's queue: the shape the queue's own commands take. */
export type EmailJob = EmailJobInput;
export interface EnrichmentCacheEntry {
  prospectId: string;
  json: string;
  ttlSeconds: number;
}
export interface DedupEntry {
  linkedinUrl: string;
  prospectId: string;
}

export interface CustomerSeed {
  index: number;
  userId: string;
  tables: SeedTables;
  redis: { emailJobs: EmailJob[]; enrichments: EnrichmentCacheEntry[]; dedup: DedupEntry[] };
}

const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;
const ENRICHMENT_TTL_MS = 30 * DAY;

/** Yields one customer's data at a time, so inserting can stream. */
export function* generateSeed(
  options: SeedOptions,
  rates: SeedRates = DEFAULT_RATES,
): Generator<CustomerSeed> {
  validate(options);
  for (let i = 0; i < options.customers; i++) {
    yield generateCustomer(i, options, rates);
  }
}

/** What is wrong with `o`, one message per problem; empty when valid. */
export function seedOptionProblems(o: SeedOptions): string[] {
  const bad: string[] = [];
  if (!Number.isInteger(o.customers) || o.customers < 0)
    bad.push('customers must be an integer ≥ 0');
  if (!Number.isInteger(o.prospectsPerCustomer) || o.prospectsPerCustomer < 0) {
    bad.push('prospectsPerCustomer must be an integer ≥ 0');
  }
  if (!Number.isSafeInteger(o.seed)) bad.push('seed must be an integer');
  if (!(o.now instanceof Date) || Number.isNaN(o.now.getTime()))
    bad.push('now must be a valid Date');
  return bad;
}

function validate(o: SeedOptions): void {
  const bad = seedOptionProblems(o);
  if (bad.length > 0) throw new RangeError(`Invalid seed options: ${bad.join('; ')}`);
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function companyName(rng: Rng): string {
  return `${rng.pick(W.COMPANY_STEMS)}${rng.pick(['', 'ia', 'on', 'ex', 'ly'])} ${rng.pick(W.COMPANY_KINDS)}`;
}

/** Skews toward recent: a third of the mass in the last fifth of the span. */
function recentOffset(rng: Rng, spanMs: number): number {
  return Math.floor(Math.pow(rng.next(), 1.6) * spanMs);
}

function generateCustomer(index: number, o: SeedOptions, rates: SeedRates): CustomerSeed {
  const rng = createRng(deriveSeed(o.seed, index));
  const now = o.now.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();

  const userId = rng.uuid();
  const company = companyName(rng);
  const companySlug = `${slug(company)}-${index}`;
  const signup = now - rng.int(150, 400) * DAY;
  const tables: SeedTables = {
    auth_users: [
      {
        id: userId,
        email: `founder@${companySlug}.example`,
        raw_user_meta_data: { company, locale: rng.pick(['fr', 'en', 'de']) },
        created_at: iso(signup),
      },
    ],
    profiles: [
      {
        id: userId,
        company,
        plan: rng.pick(['starter', 'starter', 'growth', 'growth', 'scale']),
        created_at: iso(signup),
      },
    ],
    sending_domains: [],
    calendar_connections: [],
    campaigns: [],
    prospects: [],
    campaign_prospects: [],
    email_events: [],
    meetings: [],
  };
  const redis: CustomerSeed['redis'] = { emailJobs: [], enrichments: [], dedup: [] };

  // Sending domains: most customers warm one, some two.
  const domainCount = rng.chance(0.25) ? 2 : 1;
  for (let d = 0; d < domainCount; d++) {
    const healthy = rng.chance(0.9);
    tables.sending_domains.push({
      id: rng.uuid(),
      user_id: userId,
      domain: `${d === 0 ? 'mail' : 'outreach'}.${companySlug}.example`,
      verified_at: iso(signup + rng.int(1, 10) * DAY),
      dkim_status: 'valid',
      spf_status: 'valid',
      dmarc_status: healthy ? 'valid' : 'invalid',
      dmarc_policy: healthy ? rng.pick(['none', 'quarantine', 'reject']) : null,
      created_at: iso(signup + HOUR),
    });
  }

  let calendarId: string | null = null;
  if (rng.chance(0.8)) {
    calendarId = rng.uuid();
    const status = rng.chance(0.9) ? 'active' : 'expired';
    tables.calendar_connections.push({
      id: calendarId,
      user_id: userId,
      provider: rng.chance(0.7) ? 'google' : 'microsoft',
      status,
      access_token_encrypted: `enc:v1:${rng.hex(48)}`,
      refresh_token_encrypted: `enc:v1:${rng.hex(48)}`,
      token_expires_at: iso(
        status === 'active' ? now + rng.int(5, 55) * 60_000 : now - rng.int(2, 20) * DAY,
      ),
      scopes: ['calendar.events', 'calendar.readonly'],
      last_synced_at: iso(now - rng.int(1, 60) * 60_000),
      created_at: iso(signup + rng.int(1, 30) * DAY),
    });
  }

  // Campaigns over the last ~100 days; older ones are finished.
  const campaignCount = rng.int(3, 6);
  const campaigns: Array<CampaignRow & { start: number }> = [];
  for (let c = 0; c < campaignCount; c++) {
    const start = now - rng.int(3, 100) * DAY;
    const status = start < now - 80 * DAY ? 'completed' : rng.chance(0.85) ? 'active' : 'paused';
    const row = {
      id: rng.uuid(),
      user_id: userId,
      name: `${rng.pick(W.CAMPAIGN_THEMES)} #${c + 1}`,
      status,
      steps: rng.int(2, 4),
      created_at: iso(start),
    };
    campaigns.push({ ...row, start });
    tables.campaigns.push(row);
  }

  const domains = tables.sending_domains;
  const firstDomainBounce =
    rates.troubledDomains.find((t) => t.customer === index)?.bounce ?? rates.bounce;
  for (let p = 0; p < o.prospectsPerCustomer; p++) {
    const first = rng.pick(W.FIRST_NAMES);
    const last = rng.pick(W.LAST_NAMES);
    const fullName = `${first} ${last}`;
    const prospectCompany = companyName(rng);
    const title = rng.pick(W.TITLES);
    const prospectId = rng.uuid();
    const created = now - recentOffset(rng, 120 * DAY) - rng.int(0, 3600) * 1000;
    const linkedinUrl = `https://www.linkedin.com/in/${slug(first)}-${slug(last)}-${rng.hex(8)}`;
    const email = `${slug(first)}.${slug(last)}@${slug(prospectCompany)}.example`;
    const inbound = rng.chance(0.03);

    const enrichedAt = rng.chance(0.85) ? created + rng.int(5, 48 * 60) * 60_000 : null;
    const enriched = enrichedAt !== null && enrichedAt < now;
    const prospect: ProspectRow = {
      id: prospectId,
      user_id: userId,
      full_name: fullName,
      email,
      company: prospectCompany,
      title,
      linkedin_url: linkedinUrl,
      location: rng.pick(W.LOCATIONS),
      headline: `${title} at ${prospectCompany}`,
      enrichment: null,
      enriched_at: null,
      status: 'new',
      unsubscribed_at: null,
      consent_given: inbound,
      consent_date: inbound ? iso(created) : null,
      consent_source: inbound ? 'website_form' : null,
      lawful_basis: inbound ? 'consent' : 'legitimate_interest',
      art14_notice_sent_at: null,
      created_at: iso(created),
    };
    if (enriched && enrichedAt !== null) {
      prospect.enrichment = {
        industry: rng.pick(W.INDUSTRIES),
        company_size: rng.pick(['1-10', '11-50', '51-200', '201-1000', '1000+']),
        seniority: rng.pick(['founder', 'c-level', 'vp', 'director', 'manager']),
        fit_score: rng.int(20, 99),
        model: 'claude-sonnet',
      };
      prospect.enriched_at = iso(enrichedAt);
      prospect.status = 'enriched';
      const age = now - enrichedAt;
      if (age < ENRICHMENT_TTL_MS) {
        redis.enrichments.push({
          prospectId,
          json: JSON.stringify(prospect.enrichment),
          ttlSeconds: Math.max(60, Math.floor((ENRICHMENT_TTL_MS - age) / 1000)),
        });
      }
    }
    redis.dedup.push({ linkedinUrl, prospectId });

    // Campaign sequence.
    const candidates = enriched
      ? campaigns.filter((c) => c.status !== 'completed' || c.start < created)
      : [];
    if (enrichedAt !== null && enriched && candidates.length > 0 && rng.chance(0.7)) {
      const campaign = rng.pick(candidates);
      const domain = rng.pick(domains);
      const joined = Math.max(enrichedAt + rng.int(1, 72) * 60_000, campaign.start, now - 90 * DAY);
      if (joined < now) {
        const member: CampaignProspectRow = {
          campaign_id: campaign.id,
          prospect_id: prospectId,
          user_id: userId,
          step: 0,
          status: campaign.status === 'paused' ? 'paused' : 'active',
          last_sent_at: null,
          created_at: iso(joined),
        };
        let at = joined + rng.int(1, 24) * HOUR;
        let stopped = false;
        for (let step = 1; step <= campaign.steps && at < now && !stopped; step++) {
          const messageId = `<${rng.hex(24)}@${domain.domain}>`;
          const event = (type: EmailEventRow['type'], when: number) =>
            tables.email_events.push({
              user_id: userId,
              prospect_id: prospectId,
              campaign_id: campaign.id,
              sending_domain_id: domain.id,
              type,
              step,
              occurred_at: iso(Math.min(when, now)),
              message_id: messageId,
            });
          event('sent', at);
          member.step = step;
          member.last_sent_at = iso(at);
          prospect.status = 'contacted';
          // The Art. 14 notice travels with the first message.
          prospect.art14_notice_sent_at ??= iso(at);
          if (rng.chance(domain === domains[0] ? firstDomainBounce : rates.bounce)) {
            event('bounce', at + rng.int(5, 600) * 1000);
            member.status = 'bounced';
            prospect.status = 'bounced';
            stopped = true;
            break;
          }
          event('delivered', at + rng.int(1, 120) * 1000);
          if (rng.chance(rates.complaint)) {
            const when = Math.min(at + rng.int(1, 48) * HOUR, now);
            event('complaint', when);
            member.status = 'unsubscribed';
            prospect.status = 'unsubscribed';
            prospect.unsubscribed_at = iso(when);
            stopped = true;
          } else if (rng.chance(rates.unsubscribe)) {
            const when = Math.min(at + rng.int(1, 72) * HOUR, now);
            event('unsubscribe', when);
            member.status = 'unsubscribed';
            prospect.status = 'unsubscribed';
            prospect.unsubscribed_at = iso(when);
            stopped = true;
          } else if (rng.chance(rates.reply)) {
            const repliedAt = Math.min(at + rng.int(1, 96) * HOUR, now);
            member.status = 'replied';
            prospect.status = 'replied';
            stopped = true;
            if (rng.chance(rates.meetingPerReply)) {
              prospect.status = 'meeting';
              const startsAt = roundToQuarter(repliedAt + rng.int(2, 14) * DAY);
              const past = startsAt < now;
              tables.meetings.push({
                id: rng.uuid(),
                user_id: userId,
                prospect_id: prospectId,
                calendar_connection_id: calendarId,
                starts_at: iso(startsAt),
                ends_at: iso(startsAt + rng.pick([15, 30, 30, 45, 60]) * 60_000),
                attendee_email: email,
                attendee_name: fullName,
                notes: rng.pick(W.MEETING_NOTES),
                status: past
                  ? rng.pick([
                      'completed',
                      'completed',
                      'completed',
                      'completed',
                      'no_show',
                      'cancelled',
                    ])
                  : 'scheduled',
                created_at: iso(repliedAt),
              });
            }
          }
          if (!stopped) at += rng.int(3, 5) * DAY + rng.int(0, 8) * HOUR;
        }
        if (!stopped && member.step >= campaign.steps) member.status = 'completed';
        if (member.status === 'active' && at >= now) {
          // Next step queued in Redis.
          const step = member.step + 1;
          redis.emailJobs.push({
            jobId: rng.uuid(),
            userId,
            prospectId,
            campaignId: campaign.id,
            to: email,
            subject: step === 1 ? `Quick question, ${first}` : `Re: quick question, ${first}`,
            body: `Hi ${first}, following up about ${prospectCompany} (step ${step}).`,
            dueAt: at,
          });
        }
        tables.campaign_prospects.push(member);
      }
    }

    // Prospects not messaged get a standalone Art. 14 notice within the month, with a backlog.
    if (prospect.art14_notice_sent_at === null && prospect.lawful_basis === 'legitimate_interest') {
      const noticeAt = created + rng.int(3, 28) * DAY;
      if (noticeAt < now && rng.chance(0.9)) prospect.art14_notice_sent_at = iso(noticeAt);
    }
    tables.prospects.push(prospect);
  }

  return { index, userId, tables, redis };
}

function roundToQuarter(ms: number): number {
  const q = 15 * 60_000;
  return Math.round(ms / q) * q;
}
