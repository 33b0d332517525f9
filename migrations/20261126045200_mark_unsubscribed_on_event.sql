-- An `unsubscribe` email event marks its prospect unsubscribed (and its campaign memberships), in the database, whoever inserts the event.

-- A trigger rather than only the ingesting verb: the app writes email_events directly, and an
-- Art. 21(3) objection must stop contact however the event arrives. The suppression record
-- needs SUPPRESSION_HMAC_KEY, which stays out of the database: adapters/privacy/consent.ts
-- (`ingestEmailEvent`) adds it, and erasure adds it again after 30 days at the latest.
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
            from new_rows where type = 'unsubscribe' group by prospect_id) e
   where p.id = e.prospect_id
     and (p.status <> 'unsubscribed' or p.unsubscribed_at is null or p.consent_given);
  update public.campaign_prospects cp
     set status = 'unsubscribed'
    from (select distinct prospect_id from new_rows where type = 'unsubscribe') e
   where cp.prospect_id = e.prospect_id
     and cp.status in ('pending', 'active', 'paused');
  return null;
end $$;

revoke all on function public.mark_unsubscribed_on_event() from public;

drop trigger if exists email_events_mark_unsubscribed on public.email_events;
create trigger email_events_mark_unsubscribed after insert on public.email_events
  referencing new table as new_rows
  for each statement execute function public.mark_unsubscribed_on_event();
