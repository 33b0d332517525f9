-- A `complaint` email event stops contact like an `unsubscribe` (an Art. 21 objection), and `suppression_sync` records which unsubscribed prospects already have their suppression digests.

-- GDPR-wise a spam complaint is the person objecting to the marketing (Art. 21(2)-(3)): the
-- prospect is marked unsubscribed and its memberships stopped, exactly as for an unsubscribe.
-- The first of either event dates `unsubscribed_at` (the 30-day retention clock).
create or replace function public.mark_unsubscribed_on_event() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
  update public.prospects p
     set status = 'unsubscribed',
         unsubscribed_at = coalesce(p.unsubscribed_at, e.first_at),
         consent_given = false
    from (select prospect_id, min(occurred_at) as first_at
            from new_rows where type in ('unsubscribe', 'complaint') group by prospect_id) e
   where p.id = e.prospect_id
     and (p.status <> 'unsubscribed' or p.unsubscribed_at is null or p.consent_given);
  update public.campaign_prospects cp
     set status = 'unsubscribed'
    from (select distinct prospect_id from new_rows where type in ('unsubscribe', 'complaint')) e
   where cp.prospect_id = e.prospect_id
     and cp.status in ('pending', 'active', 'paused');
  return null;
end $$;

revoke all on function public.mark_unsubscribed_on_event() from public;

-- The suppression digests need SUPPRESSION_HMAC_KEY, which stays out of the database, so the
-- sweep in adapters/privacy/suppression-sync.ts (run by the erasure-retry collector) adds them
-- for unsubscribed prospects without a row here, then writes the row. Ids only; the row goes
-- with the prospect (cascade), so an erasure's verification scan finds nothing left here.
create table if not exists public.suppression_sync (
  prospect_id uuid primary key references public.prospects (id) on delete cascade,
  reason text not null check (reason in ('unsubscribe', 'objection', 'complaint')),
  synced_at timestamptz not null
);

alter table public.suppression_sync enable row level security;
