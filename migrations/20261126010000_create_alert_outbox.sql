-- Durable alert path: the outbox (one row per alert group), per-webhook channel state, dead letters.
create table if not exists alert_outbox (
  id integer generated always as identity primary key,
  alert_id text not null,
  dedup_key text not null,
  severity text not null check (severity in ('critical', 'warning', 'info')),
  -- ids and numbers only (checked by core/alerting/labels.ts before insert)
  labels jsonb not null default '{}'::jsonb,
  state text not null default 'pending' check (state in ('pending', 'sent', 'dead', 'suppressed')),
  occurrences integer not null default 1 check (occurrences >= 1),
  notified_occurrences integer not null default 0,
  first_raised_at timestamptz not null,
  last_raised_at timestamptz not null,
  resolved_at timestamptz,
  sent_at timestamptz,
  resolve_sent_at timestamptz,
  -- when the next Slack message of this group is due (null: none will ever be)
  next_attempt_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  email_state text not null default 'none' check (email_state in ('none', 'pending', 'sent')),
  email_due_at timestamptz,
  email_attempts integer not null default 0,
  emailed_at timestamptz,
  created_at timestamptz not null default now()
);

-- One open group per dedup key: concurrent raises of the same alert meet on this index.
create unique index if not exists alert_outbox_open_group
  on alert_outbox (dedup_key)
  where resolved_at is null and state <> 'dead';

create index if not exists alert_outbox_due
  on alert_outbox (next_attempt_at, id)
  where next_attempt_at is not null;

create index if not exists alert_outbox_email_due
  on alert_outbox (email_due_at, id)
  where email_state = 'pending';

-- One row per webhook (keyed by a hash of its URL, which is a secret): pacing, back-off, health.
create table if not exists alert_channels (
  channel text primary key,
  next_send_at timestamptz not null,
  failures integer not null default 0,
  dead_at timestamptz,
  dead_status integer,
  dead_code text,
  last_probe_at timestamptz,
  last_probe_ok boolean,
  updated_at timestamptz not null default now()
);

create table if not exists alert_dead_letters (
  id integer generated always as identity primary key,
  outbox_id integer references alert_outbox (id) on delete set null,
  channel text not null,
  alert_id text not null,
  dedup_key text not null,
  notification text not null,
  status integer,
  code text not null,
  -- the exact Block Kit payload refused, for replay after the fix (no personal data by design)
  payload jsonb not null,
  created_at timestamptz not null default now()
);

create index if not exists alert_dead_letters_created on alert_dead_letters (created_at);
