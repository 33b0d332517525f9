-- Durable erasure (requests + one step per store), the n8n execution ledger, the keyed-HMAC suppression list and per-user rate-limit windows.

-- One row per (user, prospect): a second DELETE finds it and answers with the same receipt.
-- No foreign keys: the request is the record of the erasure and outlives the prospect (and the
-- user's account); it holds ids only, plus the subject's identifiers sealed (AES-256-GCM) until
-- the request completes, when `subject_sealed` is set to null.
create table if not exists public.erasure_requests (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  prospect_id uuid not null,
  requested_at timestamptz not null,
  -- GDPR Art. 12(3): one calendar month, counted per Reg. 1182/71 (core/privacy/erasure-plan.ts).
  due_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'completed', 'failed')),
  completed_at timestamptz,
  receipt jsonb,
  attempts integer not null default 0 check (attempts >= 0),
  subject_sealed text,
  -- A worker's lease while it advances the request; expired leases are taken over.
  locked_until timestamptz,
  check ((status = 'completed') = (completed_at is not null and receipt is not null)),
  unique (user_id, prospect_id)
);

create index if not exists erasure_requests_open_idx
  on public.erasure_requests (due_at) where status <> 'completed';

create table if not exists public.erasure_steps (
  request_id uuid not null references public.erasure_requests (id) on delete cascade,
  store text not null
    check (store in ('postgres', 'upstash', 'n8n', 'suppression', 'verification')),
  status text not null default 'pending' check (status in ('pending', 'completed', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null,
  -- An error class and message written by Vigie: never a driver message with data in it.
  last_error text check (last_error is null or length(last_error) <= 500),
  -- Counts, key names, execution ids: what the step removed (goes into the receipt).
  result jsonb,
  completed_at timestamptz,
  primary key (request_id, store)
);

create index if not exists erasure_steps_due_idx
  on public.erasure_steps (next_attempt_at) where status = 'pending';

-- Which n8n executions processed which prospect, reported by the app's workflows
-- (POST /hooks/n8n/ledger). Erasure deletes exactly these executions.
create table if not exists public.n8n_execution_ledger (
  execution_id text not null check (length(execution_id) between 1 and 64),
  workflow_id text not null check (length(workflow_id) between 1 and 64),
  user_id uuid not null,
  prospect_id uuid not null,
  recorded_at timestamptz not null default now(),
  primary key (execution_id, prospect_id)
);

create index if not exists n8n_execution_ledger_prospect_idx
  on public.n8n_execution_ledger (prospect_id);

-- Never market again: HMAC-SHA256 (key SUPPRESSION_HMAC_KEY) of the normalized email or
-- LinkedIn URL, never the identifier itself. `user_id` null = suppressed for every customer.
create table if not exists public.suppression_list (
  id bigint generated always as identity primary key,
  user_id uuid,
  kind text not null check (kind in ('email', 'linkedin')),
  digest text not null check (digest ~ '^[0-9a-f]{64}$'),
  reason text not null check (reason in ('erasure', 'unsubscribe', 'objection', 'complaint')),
  created_at timestamptz not null default now(),
  constraint suppression_list_entry_key unique nulls not distinct (user_id, kind, digest)
);

create index if not exists suppression_list_digest_idx on public.suppression_list (digest);

-- Fixed-window request counters per user and action (erase, export).
create table if not exists public.rate_limit_windows (
  user_id uuid not null,
  action text not null check (action ~ '^[a-z][a-z0-9_.-]{0,31}$'),
  window_start timestamptz not null,
  hits integer not null default 0,
  primary key (user_id, action, window_start)
);

-- Vigie's service role writes these; signed-in users read only their own requests.
do $$
declare
  t text;
begin
  foreach t in array array['erasure_requests', 'erasure_steps', 'n8n_execution_ledger',
                           'suppression_list', 'rate_limit_windows'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('revoke all on public.%I from anon, authenticated', t);
    execute format('grant all on public.%I to service_role', t);
  end loop;
end $$;

drop policy if exists owner_read on public.erasure_requests;
create policy owner_read on public.erasure_requests for select to authenticated
  using ((select auth.uid()) = user_id);
grant select on public.erasure_requests to authenticated;
