-- Hash-chains audit_log per user (prev_hash, row_hash = sha256(prev_hash || canonical row)) in a BEFORE INSERT trigger, and records the acting identity.

alter table public.audit_log
  add column if not exists actor text,
  add column if not exists chain_seq bigint,
  add column if not exists prev_hash bytea,
  add column if not exists row_hash bytea;

alter table public.audit_log drop constraint if exists audit_log_actor_check;
alter table public.audit_log add constraint audit_log_actor_check
  check (actor is null or actor ~ '^[A-Za-z0-9_.:@-]{1,100}$');

-- The canonical text of a row: every field length-prefixed in bytes, so no value can be
-- shifted into its neighbour. Recomputed independently by `vigie audit verify`
-- (adapters/privacy/audit-chain.ts); change both together, as a new version prefix.
create or replace function public.audit_log_canonical(
  p_seq bigint, p_id bigint, p_user_id uuid, p_action text, p_prospect_id uuid,
  p_actor text, p_occurred_at timestamptz, p_request_id text
) returns text
language sql immutable
as $$
  select 'v1|' || p_seq || '|' || p_id || '|'
    || string_agg(case when f is null then '-' else octet_length(f) || ':' || f end, '|' order by n)
  from unnest(array[
         p_user_id::text, p_action, p_prospect_id::text, p_actor,
         to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_request_id
       ]) with ordinality as t(f, n)
$$;

create or replace function public.audit_log_row_hash(
  p_prev_hash bytea, p_seq bigint, p_id bigint, p_user_id uuid, p_action text,
  p_prospect_id uuid, p_actor text, p_occurred_at timestamptz, p_request_id text
) returns bytea
language sql immutable
as $$
  select sha256(coalesce(p_prev_hash, '\x'::bytea) || convert_to(
    public.audit_log_canonical(p_seq, p_id, p_user_id, p_action, p_prospect_id, p_actor,
                               p_occurred_at, p_request_id), 'UTF8'))
$$;

-- Rows without a user (system events) form one chain keyed by the nil UUID.
create or replace function public.audit_log_chain_key(p_user_id uuid) returns uuid
language sql immutable
as $$ select coalesce(p_user_id, '00000000-0000-0000-0000-000000000000'::uuid) $$;

-- Chain existing rows (none on a fresh database) in id order before enforcing the columns.
do $$
declare
  r record;
  prev record;
  seq bigint;
  h bytea;
begin
  if exists (select 1 from public.audit_log where row_hash is null) then
    alter table public.audit_log disable trigger audit_log_no_update;
    for r in select * from public.audit_log where row_hash is null order by id loop
      select chain_seq, row_hash into prev from public.audit_log
        where public.audit_log_chain_key(user_id) = public.audit_log_chain_key(r.user_id)
          and row_hash is not null
        order by chain_seq desc limit 1;
      seq := coalesce(prev.chain_seq, 0) + 1;
      h := public.audit_log_row_hash(prev.row_hash, seq, r.id, r.user_id, r.action,
                                     r.prospect_id, r.actor, r.occurred_at, r.request_id);
      update public.audit_log set chain_seq = seq, prev_hash = prev.row_hash, row_hash = h
        where id = r.id;
    end loop;
    alter table public.audit_log enable trigger audit_log_no_update;
  end if;
end $$;

alter table public.audit_log
  alter column chain_seq set not null,
  alter column row_hash set not null;

-- One row per (chain, position): two concurrent inserts can never fork a chain silently.
create unique index if not exists audit_log_chain_idx
  on public.audit_log (public.audit_log_chain_key(user_id), chain_seq);

-- Fills actor and request id when the caller did not, then links the row to its chain. The
-- per-user advisory lock serialises concurrent inserts; taken, the lookup below (a new
-- statement, so a fresh snapshot under READ COMMITTED) sees the last committed link. Under
-- REPEATABLE READ a stale lookup fails on the unique index instead of forking.
create or replace function public.audit_log_chain() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
  k uuid := public.audit_log_chain_key(new.user_id);
  last_seq bigint;
  last_hash bytea;
  who text;
begin
  if new.actor is null then
    who := coalesce(
      (select auth.uid())::text,
      nullif(current_setting('vigie.actor', true), ''),
      'db:' || session_user);
    new.actor := left(regexp_replace(who, '[^A-Za-z0-9_.:@-]', '_', 'g'), 100);
  end if;
  if new.request_id is null then
    new.request_id := left(nullif(current_setting('vigie.request_id', true), ''), 128);
  end if;
  perform pg_advisory_xact_lock(hashtextextended('vigie.audit_log:' || k::text, 0));
  select a.chain_seq, a.row_hash into last_seq, last_hash
    from public.audit_log a
    where public.audit_log_chain_key(a.user_id) = k
    order by public.audit_log_chain_key(a.user_id) desc, a.chain_seq desc
    limit 1;
  new.chain_seq := coalesce(last_seq, 0) + 1;
  new.prev_hash := last_hash;
  new.row_hash := public.audit_log_row_hash(new.prev_hash, new.chain_seq, new.id, new.user_id,
    new.action, new.prospect_id, new.actor, new.occurred_at, new.request_id);
  return new;
end $$;

drop trigger if exists audit_log_chain on public.audit_log;
create trigger audit_log_chain before insert on public.audit_log
  for each row execute function public.audit_log_chain();

revoke all on function public.audit_log_chain() from public;
