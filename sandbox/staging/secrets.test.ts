import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyring } from '../../core/privacy/keyring.ts';
import { loadOrCreateLocalSecrets } from './secrets.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local staging secrets', () => {
  it('makes two separate keyrings, and keeps them across restarts', async () => {
    const state = path.join(dir, 'fresh');
    const first = await loadOrCreateLocalSecrets(state);
    const hmac = parseKeyring(first.SUPPRESSION_HMAC_KEYS);
    const seal = parseKeyring(first.SUBJECT_SEAL_KEYS);
    expect(hmac.current.secret).not.toBe(seal.current.secret);
    expect(await loadOrCreateLocalSecrets(state)).toEqual(first);
  });

  it('upgrades a file holding the single legacy key: its digests keep matching as k1', async () => {
    const state = path.join(dir, 'legacy');
    const file = path.join(state, 'staging', 'secrets.json');
    await mkdir(path.dirname(file), { recursive: true });
    const legacy = 'f'.repeat(64);
    await writeFile(
      file,
      JSON.stringify({
        N8N_HOOK_SECRET: 'h'.repeat(32),
        SUPPRESSION_HMAC_KEY: legacy,
        dkimPublicKey: 'd'.repeat(300),
      }),
    );
    const secrets = await loadOrCreateLocalSecrets(state);
    expect(secrets.SUPPRESSION_HMAC_KEYS).toBe(`k1:${legacy}`);
    expect(parseKeyring(secrets.SUBJECT_SEAL_KEYS).current.secret).not.toBe(legacy);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      SUPPRESSION_HMAC_KEYS: `k1:${legacy}`,
    });
  });
});
