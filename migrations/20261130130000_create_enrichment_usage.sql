-- Per-tenant Claude metering for the enrichment gateway: one row per tenant, UTC day and
-- model (Anthropic bills by UTC day). Tokens and cost only, no prompt or answer text; the
-- tenant is the app user's id. The cost monitor sums it per tenant, the gateway checks each
-- tenant's daily budget against it.
create table public.enrichment_usage (
  tenant_id uuid not null,
  day date not null,
  model text not null,
  requests integer not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cache_read_tokens bigint not null default 0,
  cache_write_tokens bigint not null default 0,
  cost_usd numeric(14, 9) not null default 0,
  -- The price list the cost was computed with (core/enrichment/prices.ts PRICES_AS_OF).
  prices_as_of date not null,
  primary key (tenant_id, day, model)
);

create index enrichment_usage_day on public.enrichment_usage (day);

alter table public.enrichment_usage enable row level security;
