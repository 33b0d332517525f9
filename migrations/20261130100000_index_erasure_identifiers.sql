-- Erasure at scale: normalised-identifier indexes for the per-request verification and for finding every record of one person, the records an erasure covers, and the deep sweep's state (docs/privacy-erasure.md).

-- The normalisations of core/privacy/suppression.ts (email) and core/redis-keys.ts (LinkedIn
-- URL), in SQL so that a column and a searched value are normalised by the same code. Immutable,
-- so they can be indexed.
create or replace function public.vigie_normalize_email(value text) returns text
language sql immutable strict parallel safe
as $$
  select lower(regexp_replace(value,
    '^[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+|[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$',
    '', 'g'))
$$;

create or replace function public.vigie_normalize_linkedin_url(value text) returns text
language sql immutable strict parallel safe
as $$
  select regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           public.vigie_normalize_email(value),
           '^https?://', ''), '^www\.', ''), '[?#].*$', ''), '/+$', '')
$$;

-- The columns where the app stores a person's identifiers, per customer.
create index if not exists prospects_user_email_norm_idx
  on public.prospects (user_id, public.vigie_normalize_email(email));
create index if not exists prospects_user_linkedin_norm_idx
  on public.prospects (user_id, public.vigie_normalize_linkedin_url(linkedin_url));
create index if not exists meetings_user_attendee_email_norm_idx
  on public.meetings (user_id, public.vigie_normalize_email(attendee_email));

-- Every prospect record the erasure covers (the requested one and the same person's other
-- records of the customer): ids only. Rows written before this migration cover `prospect_id`.
alter table public.erasure_requests
  add column if not exists prospect_ids uuid[] not null default '{}';

-- A DELETE of an already-erased duplicate finds its request through this.
create index if not exists erasure_requests_prospect_ids_idx
  on public.erasure_requests using gin (prospect_ids);

-- The deep sweep (every text column of the customer's rows) runs after completion, in the
-- erasure-retry collector: `pending` until it ran, `clean`, or `found` (paged; re-checked each
-- run). The sealed identifiers are kept until it is `clean`. Null: completed before this
-- migration (its request-path scan was already the deep one).
alter table public.erasure_requests
  add column if not exists deep_check_status text
    check (deep_check_status in ('pending', 'clean', 'found')),
  add column if not exists deep_checked_at timestamptz,
  add column if not exists deep_check jsonb;

create index if not exists erasure_requests_deep_check_idx
  on public.erasure_requests (completed_at) where deep_check_status in ('pending', 'found');
