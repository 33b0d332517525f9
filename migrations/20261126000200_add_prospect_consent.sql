-- Consent and lawful basis on prospects: scraped prospects are processed under legitimate interest and informed under GDPR Art. 14.

alter table public.prospects
  add column if not exists consent_given boolean not null default false,
  add column if not exists consent_date timestamptz,
  add column if not exists consent_source text,
  add column if not exists lawful_basis text not null default 'legitimate_interest',
  add column if not exists art14_notice_sent_at timestamptz;

-- The six bases of GDPR Art. 6(1).
alter table public.prospects drop constraint if exists prospects_lawful_basis_check;
alter table public.prospects add constraint prospects_lawful_basis_check
  check (lawful_basis in ('consent', 'contract', 'legal_obligation', 'vital_interests',
                          'public_task', 'legitimate_interest'));

-- Consent without a date cannot be proven (Art. 7(1)).
alter table public.prospects drop constraint if exists prospects_consent_dated_check;
alter table public.prospects add constraint prospects_consent_dated_check
  check (not consent_given or consent_date is not null);
