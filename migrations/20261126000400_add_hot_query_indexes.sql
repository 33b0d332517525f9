-- Indexes for the app's hot queries (listed in migrations/README.md and migrations/hot-queries.ts) and for foreign keys that cascade.

-- prospects
create index if not exists prospects_user_status_created_idx
  on public.prospects (user_id, status, created_at desc);
create index if not exists prospects_user_created_idx
  on public.prospects (user_id, created_at desc);
create index if not exists prospects_user_linkedin_idx
  on public.prospects (user_id, linkedin_url) where linkedin_url is not null;
create index if not exists prospects_unsubscribed_at_idx
  on public.prospects (unsubscribed_at) where status = 'unsubscribed';
create index if not exists prospects_art14_due_idx
  on public.prospects (created_at)
  where art14_notice_sent_at is null and lawful_basis = 'legitimate_interest';

-- campaigns (small per customer; the user_id index serves RLS and the cascade)
create index if not exists campaigns_user_created_idx
  on public.campaigns (user_id, created_at desc);

-- campaign_prospects (primary key is (campaign_id, prospect_id))
create index if not exists campaign_prospects_campaign_status_idx
  on public.campaign_prospects (campaign_id, status, last_sent_at nulls first);
create index if not exists campaign_prospects_prospect_idx
  on public.campaign_prospects (prospect_id);
create index if not exists campaign_prospects_user_idx
  on public.campaign_prospects (user_id);

-- email_events
create index if not exists email_events_user_type_occurred_idx
  on public.email_events (user_id, type, occurred_at);
create index if not exists email_events_domain_occurred_idx
  on public.email_events (sending_domain_id, occurred_at) include (type);
create index if not exists email_events_prospect_occurred_idx
  on public.email_events (prospect_id, occurred_at);
create index if not exists email_events_campaign_type_idx
  on public.email_events (campaign_id, type);
create index if not exists email_events_message_id_idx
  on public.email_events (message_id) where message_id is not null;

-- meetings
create index if not exists meetings_user_starts_idx
  on public.meetings (user_id, starts_at);
create index if not exists meetings_prospect_idx
  on public.meetings (prospect_id);
create index if not exists meetings_calendar_connection_idx
  on public.meetings (calendar_connection_id);

-- audit_log: a user's trail, and a prospect's (erasure receipts, access export)
create index if not exists audit_log_user_occurred_idx
  on public.audit_log (user_id, occurred_at);
create index if not exists audit_log_prospect_idx
  on public.audit_log (prospect_id) where prospect_id is not null;
