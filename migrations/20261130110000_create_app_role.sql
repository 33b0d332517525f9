-- The least-privilege role the app and the collectors connect as (`vigie_app`). Migrations keep
-- running as the owner of the tables; the app gets data access only: no ownership (so no
-- ALTER TABLE … DISABLE TRIGGER, no DDL), no TRUNCATE, and the audit log readable but writable
-- only through public.audit_append (SECURITY DEFINER), so the append-only triggers and the
-- hash chain are the only way in.
--
-- The role is made NOLOGIN here: a migration holds no password. Whoever deploys gives it one
-- (`alter role vigie_app with login password '…'`, see the README); local staging does so on
-- its embedded Postgres. BYPASSRLS: Vigie's tables have RLS on with policies for Supabase's
-- `authenticated` users only; the app acts for every tenant, as service_role does (on
-- Postgres ≥ 16 a role holding BYPASSRLS, such as Supabase's `postgres`, may grant it).

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'vigie_app') then
    begin
      create role vigie_app nologin nosuperuser nocreatedb nocreaterole noreplication bypassrls;
    exception
      -- Roles are cluster-wide: another database's migration may have made it meanwhile.
      when duplicate_object or unique_violation then null;
    end;
  end if;
end $$;

-- Appends one audit row; the chain trigger fills actor, request id and the hashes.
create or replace function public.audit_append(
  p_user_id uuid,
  p_action text,
  p_prospect_id uuid default null,
  p_occurred_at timestamptz default now(),
  p_request_id text default null,
  p_actor text default null
) returns void
language sql
security definer
set search_path = pg_catalog, public
as $$
  insert into public.audit_log (user_id, action, prospect_id, occurred_at, request_id, actor)
  values (p_user_id, p_action, p_prospect_id, coalesce(p_occurred_at, now()), p_request_id, p_actor)
$$;

revoke all on function public.audit_append(uuid, text, uuid, timestamptz, text, text) from public;

grant usage on schema public to vigie_app;
grant select, insert, update, delete on all tables in schema public to vigie_app;
grant usage, select on all sequences in schema public to vigie_app;
grant execute on function public.audit_append(uuid, text, uuid, timestamptz, text, text)
  to vigie_app;

-- The audit log: read (verification, exports), never written directly.
revoke insert, update, delete, truncate, references, trigger on public.audit_log from vigie_app;
revoke all on sequence public.audit_log_id_seq from vigie_app;

-- Tables and sequences later migrations create (as this same owner) get the same data access.
-- A later table that must not be app-writable revokes it in its own migration, as above.
alter default privileges in schema public
  grant select, insert, update, delete on tables to vigie_app;
alter default privileges in schema public
  grant usage, select on sequences to vigie_app;

-- Supabase Auth's users, read-only: the Art. 15 export includes the user's own account and the
-- weekly summary counts sign-ups. Supabase's `auth` schema belongs to its auth service; where
-- the migration owner may not grant this, those two features need it granted by an admin.
do $$
begin
  grant usage on schema auth to vigie_app;
  grant select on auth.users to vigie_app;
exception when others then
  raise notice 'vigie_app: select on auth.users not granted (%)', sqlerrm;
end $$;

-- The db-health collector reads other sessions' statistics (pg_stat_activity,
-- pg_stat_statements), which Postgres shows in full only to members of pg_read_all_stats.
-- Read-only; where the migration owner may not grant it, the collector sees its own sessions.
-- Memberships are cluster-wide: a concurrent migration of another database may race this one.
do $$
begin
  if not pg_has_role('vigie_app', 'pg_read_all_stats', 'member') then
    grant pg_read_all_stats to vigie_app;
  end if;
exception when others then
  raise notice 'vigie_app: pg_read_all_stats not granted (%), db-health sees less', sqlerrm;
end $$;
