-- Records the Art. 12(3) extension of an erasure request's deadline (two more months, when the person is told why within the first month).

alter table public.erasure_requests
  add column if not exists deadline_extended_at timestamptz,
  add column if not exists extension_reason text;

alter table public.erasure_requests drop constraint if exists erasure_requests_extension_reason_check;
-- A slug (e.g. `complex_request`), never free text: the reason is shown in the CLI and reports.
alter table public.erasure_requests add constraint erasure_requests_extension_reason_check
  check (extension_reason is null or extension_reason ~ '^[a-z][a-z0-9_-]{0,63}$');
alter table public.erasure_requests drop constraint if exists erasure_requests_extension_dated_check;
alter table public.erasure_requests add constraint erasure_requests_extension_dated_check
  check ((deadline_extended_at is null) = (extension_reason is null));
