-- Onboarding checks (issue 12): the two DNS records the deliverability checks do not cover (MX
-- for bounces, the click-tracking CNAME), when a domain was last checked, and the runbook's
-- "pause sending" switch. Calendar connections count failed refreshes and remember when the
-- user was asked to reconnect.
alter table public.sending_domains
  add column if not exists mx_status text not null default 'pending'
    check (mx_status in ('pending', 'valid', 'invalid')),
  add column if not exists tracking_status text not null default 'pending'
    check (tracking_status in ('pending', 'valid', 'invalid')),
  add column if not exists verification_checked_at timestamptz,
  add column if not exists sending_paused_at timestamptz;

alter table public.calendar_connections
  add column if not exists refresh_failures integer not null default 0
    check (refresh_failures >= 0),
  add column if not exists reconnect_requested_at timestamptz;

-- The database-health collector's memory between runs: per statement (pg_stat_statements
-- queryid) and per table, the counters seen last time and a slow-moving baseline, so "slow"
-- means slow against the statement's own history and "seq scans" means since the last run.
create table if not exists public.db_health_baselines (
  kind text not null check (kind in ('statement', 'table')),
  key text not null check (length(key) <= 200),
  calls double precision not null default 0,
  total double precision not null default 0,
  baseline double precision,
  samples integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (kind, key)
);
alter table public.db_health_baselines enable row level security;
grant select, insert, update, delete on public.db_health_baselines to service_role;

-- The db-health collector reads pg_stat_statements (on by default on Supabase, in `extensions`;
-- a no-op there). Elsewhere it also needs shared_preload_libraries, which a migration cannot
-- set: without it the collector reports the source as not enabled.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_stat_statements') then
    create extension if not exists pg_stat_statements;
  end if;
end
$$;
