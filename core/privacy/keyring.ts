/**
 * A keyring: the keys of one purpose, each with an id, newest first —
 * `SUPPRESSION_HMAC_KEYS="2026-11:<secret>,2026-01:<older secret>"`. The first key makes new
 * data (digests, sealed subjects) and its id is stored beside what it protects; every key
 * still reads. Rotating = putting a new key first and keeping the old ones listed until
 * nothing under them is needed (see docs/key-rotation.md).
 */
export interface KeyringKey {
  id: string;
  secret: string;
}

export interface Keyring {
  /** The key new data is made with. */
  current: KeyringKey;
  /** Every key, current first. */
  all: readonly KeyringKey[];
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const KEYRING_FORMAT =
  'expected id:secret[,id:secret…], newest first (ids of letters, digits, - or _; secrets of ≥ 32 characters without commas)';

/** Parses the setting's text; throws a RangeError naming what is wrong (never the secret). */
export function parseKeyring(text: string): Keyring {
  const all = text.split(',').map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon).trim();
    const secret = entry.slice(colon + 1).trim();
    if (colon < 0 || !KEY_ID.test(id)) {
      throw new RangeError(`key ${i + 1} has no valid id before ":" (${KEYRING_FORMAT})`);
    }
    if (secret.length < 32) throw new RangeError(`key "${id}" is shorter than 32 characters`);
    return { id, secret };
  });
  const ids = new Set(all.map((k) => k.id));
  if (ids.size !== all.length) throw new RangeError('key ids must be unique');
  return { current: all[0] as KeyringKey, all };
}

/** The key with this id, or undefined (the data was made with a key since removed). */
export function keyById(keyring: Keyring, id: string): KeyringKey | undefined {
  return keyring.all.find((k) => k.id === id);
}
