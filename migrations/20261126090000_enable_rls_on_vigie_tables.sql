-- Vigie's own tables (outbox, erasure, ledger, suppression…) hold no rows for end users: RLS on
-- with no policy means anon and authenticated read nothing through Supabase's REST API, while
-- service_role (Vigie's Lambdas) bypasses RLS as usual. A later table must enable RLS itself;
-- a test fails for any public table without it.
do $$
declare
  t record;
begin
  for t in
    select c.relname from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity
  loop
    execute format('alter table public.%I enable row level security', t.relname);
  end loop;
end
$$;
