-- The id of the SUPPRESSION_HMAC_KEYS key each digest was made with, stored beside it, so a
-- rotation can tell which rows still need an old key (docs/key-rotation.md). Null: made before
-- key ids existed, with the key that became the keyring's first entry.
alter table public.suppression_list
  add column if not exists key_id text
    check (key_id is null or key_id ~ '^[A-Za-z0-9_-]{1,32}$');
