-- Append-only, PII-free audit_log: ids and an action only; UPDATE, DELETE and TRUNCATE raise.

create table if not exists public.audit_log (
  id bigserial primary key,
  -- No foreign keys: the trail outlives the user and the prospect it mentions, and a cascade
  -- would be a DELETE, which this table refuses.
  user_id uuid,
  action text not null check (action ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  prospect_id uuid,
  occurred_at timestamptz not null default now(),
  request_id text check (request_id is null or length(request_id) <= 128)
);

create or replace function public.audit_log_refuse_change() returns trigger
language plpgsql
as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Insert a new row recording the correction instead.';
end $$;

drop trigger if exists audit_log_no_update on public.audit_log;
create trigger audit_log_no_update before update on public.audit_log
  for each row execute function public.audit_log_refuse_change();
drop trigger if exists audit_log_no_delete on public.audit_log;
create trigger audit_log_no_delete before delete on public.audit_log
  for each row execute function public.audit_log_refuse_change();
-- TRUNCATE skips row triggers, so it needs its own statement trigger.
drop trigger if exists audit_log_no_truncate on public.audit_log;
create trigger audit_log_no_truncate before truncate on public.audit_log
  for each statement execute function public.audit_log_refuse_change();

alter table public.audit_log enable row level security;
drop policy if exists owner_read on public.audit_log;
create policy owner_read on public.audit_log for select to authenticated
  using ((select auth.uid()) = user_id);
revoke all on public.audit_log from anon, authenticated, service_role;
grant select on public.audit_log to authenticated;
grant select, insert on public.audit_log to service_role;
grant usage on sequence public.audit_log_id_seq to service_role;
