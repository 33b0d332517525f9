-- Audits every write to prospects in the database itself (prospect_insert/update/delete rows, ids only), so no client can bypass it.

-- Statement-level with transition tables: one INSERT … SELECT per statement instead of one
-- call per row, which keeps bulk imports fast. The actor is filled by the audit_log chain
-- trigger (auth.uid(), else the `vigie.actor` setting, else the database role).
create or replace function public.audit_prospect_writes() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.audit_log (user_id, action, prospect_id)
      select n.user_id, 'prospect_insert', n.id from new_rows n order by n.id;
  elsif tg_op = 'UPDATE' then
    insert into public.audit_log (user_id, action, prospect_id)
      select n.user_id, 'prospect_update', n.id from new_rows n order by n.id;
  else
    insert into public.audit_log (user_id, action, prospect_id)
      select o.user_id, 'prospect_delete', o.id from old_rows o order by o.id;
  end if;
  return null;
end $$;

revoke all on function public.audit_prospect_writes() from public;

drop trigger if exists prospects_audit_insert on public.prospects;
create trigger prospects_audit_insert after insert on public.prospects
  referencing new table as new_rows
  for each statement execute function public.audit_prospect_writes();

drop trigger if exists prospects_audit_update on public.prospects;
create trigger prospects_audit_update after update on public.prospects
  referencing new table as new_rows
  for each statement execute function public.audit_prospect_writes();

drop trigger if exists prospects_audit_delete on public.prospects;
create trigger prospects_audit_delete after delete on public.prospects
  referencing old table as old_rows
  for each statement execute function public.audit_prospect_writes();
