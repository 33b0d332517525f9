-- The app's baseline schema: profiles, prospects, campaigns, membership, sending domains, email events, calendars, meetings; RLS owner policies.

create or replace function public.set_updated_at() returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end $$;

create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  company text,
  plan text not null default 'starter' check (plan in ('trial', 'starter', 'growth', 'scale')),
  timezone text not null default 'Europe/Paris',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists public.prospects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  full_name text,
  email text,
  company text,
  title text,
  linkedin_url text,
  location text,
  headline text,
  enrichment jsonb,
  enriched_at timestamptz,
  status text not null default 'new'
    check (status in ('new', 'enriched', 'contacted', 'replied', 'meeting', 'unsubscribed', 'bounced')),
  unsubscribed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status <> 'unsubscribed' or unsubscribed_at is not null)
);

create table if not exists public.campaigns (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null,
  status text not null default 'draft'
    check (status in ('draft', 'active', 'paused', 'completed', 'archived')),
  steps smallint not null default 3 check (steps between 1 and 10),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists public.campaign_prospects (
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  prospect_id uuid not null references public.prospects (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  step smallint not null default 0 check (step >= 0),
  status text not null default 'pending'
    check (status in ('pending', 'active', 'completed', 'replied', 'bounced', 'unsubscribed', 'paused')),
  last_sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (campaign_id, prospect_id)
);

create table if not exists public.sending_domains (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  domain text not null,
  verified_at timestamptz,
  dkim_status text not null default 'pending' check (dkim_status in ('pending', 'valid', 'invalid')),
  spf_status text not null default 'pending' check (spf_status in ('pending', 'valid', 'invalid')),
  dmarc_status text not null default 'pending' check (dmarc_status in ('pending', 'valid', 'invalid')),
  dmarc_policy text check (dmarc_policy in ('none', 'quarantine', 'reject')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, domain)
);

create table if not exists public.email_events (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  prospect_id uuid not null references public.prospects (id) on delete cascade,
  campaign_id uuid references public.campaigns (id) on delete cascade,
  sending_domain_id uuid references public.sending_domains (id) on delete set null,
  type text not null check (type in ('sent', 'delivered', 'bounce', 'complaint', 'unsubscribe')),
  step smallint,
  occurred_at timestamptz not null default now(),
  message_id text
);

create table if not exists public.calendar_connections (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  provider text not null check (provider in ('google', 'microsoft')),
  status text not null default 'active' check (status in ('active', 'expired', 'revoked', 'error')),
  -- Tokens are stored encrypted by the app; never log them.
  access_token_encrypted text,
  refresh_token_encrypted text,
  token_expires_at timestamptz,
  scopes text[] not null default '{}',
  last_synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, provider)
);

create table if not exists public.meetings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  prospect_id uuid references public.prospects (id) on delete cascade,
  calendar_connection_id uuid references public.calendar_connections (id) on delete set null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  attendee_email text,
  attendee_name text,
  notes text,
  status text not null default 'scheduled'
    check (status in ('scheduled', 'completed', 'cancelled', 'no_show')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at is null or ends_at > starts_at)
);

-- updated_at on every mutable table.
do $$
declare
  t text;
begin
  foreach t in array array['profiles', 'prospects', 'campaigns', 'campaign_prospects',
                           'sending_domains', 'calendar_connections', 'meetings'] loop
    execute format('drop trigger if exists set_updated_at on public.%I', t);
    execute format(
      'create trigger set_updated_at before update on public.%I for each row execute function public.set_updated_at()',
      t);
  end loop;
end $$;

-- RLS: each customer sees only their rows. `(select auth.uid())` is evaluated once per
-- statement instead of once per row (Supabase's RLS performance advice).
do $$
declare
  t text;
begin
  foreach t in array array['prospects', 'campaigns', 'campaign_prospects', 'sending_domains',
                           'email_events', 'calendar_connections', 'meetings'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('drop policy if exists owner_all on public.%I', t);
    execute format(
      'create policy owner_all on public.%I for all to authenticated '
      'using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id)',
      t);
    execute format('grant select, insert, update, delete on public.%I to authenticated', t);
    execute format('grant all on public.%I to service_role', t);
  end loop;
end $$;

alter table public.profiles enable row level security;
drop policy if exists owner_all on public.profiles;
create policy owner_all on public.profiles for all to authenticated
  using ((select auth.uid()) = id) with check ((select auth.uid()) = id);
grant select, insert, update, delete on public.profiles to authenticated;
grant all on public.profiles to service_role;
grant usage on all sequences in schema public to authenticated, service_role;
