import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { loadCheckpointSigner } from './checkpoint-config.ts';
import { loadReceiptSigner } from './receipt-key.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function stateDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigie-keys-'));
  dirs.push(dir);
  return dir;
}
const SECRET = 'a secret of at least thirty-two characters, for tests';

// One loader (signing-key.ts) behind both keys: each keeps its own setting, message and file.
describe.each([
  {
    name: 'receipt key',
    setting: 'RECEIPT_SIGNING_KEY',
    load: (value: string | undefined, stage: Config['VIGIE_STAGE'], dir: string) =>
      loadReceiptSigner({ RECEIPT_SIGNING_KEY: value, VIGIE_STAGE: stage, VIGIE_STATE_DIR: dir }),
    file: path.join('privacy', 'receipt-signing-key.pem'),
  },
  {
    name: 'audit checkpoint key',
    setting: 'AUDIT_CHECKPOINT_KEY',
    load: (value: string | undefined, stage: Config['VIGIE_STAGE'], dir: string) =>
      loadCheckpointSigner({
        AUDIT_CHECKPOINT_KEY: value,
        VIGIE_STAGE: stage,
        VIGIE_STATE_DIR: dir,
      }),
    file: path.join('audit', 'checkpoint-signing-key.pem'),
  },
])('$name', ({ setting, load, file }) => {
  it('derives the same key from the same secret, on any stage', async () => {
    const dir = await stateDir();
    const a = await load(SECRET, 'prod', dir);
    const b = await load(SECRET, 'local', dir);
    expect(a.publicKey.export({ format: 'pem', type: 'spki' })).toBe(
      b.publicKey.export({ format: 'pem', type: 'spki' }),
    );
  });

  it('refuses a short secret and a missing key outside local staging, naming the setting', async () => {
    const dir = await stateDir();
    await expect(load('short', 'prod', dir)).rejects.toSatisfy(
      (e) =>
        e instanceof VigieError &&
        e.code === 'CONFIG_INVALID' &&
        e.message.startsWith(`${setting} must be`),
    );
    await expect(load(undefined, 'staging', dir)).rejects.toSatisfy(
      (e) =>
        e instanceof VigieError &&
        e.code === 'CONFIG_INVALID' &&
        e.message.includes(`pulumi config set --secret vigie:${setting}`),
    );
  });

  it('on local staging makes a key once, in its own 0600 file, and reuses it', async () => {
    const dir = await stateDir();
    const first = await load(undefined, 'local', dir);
    const pem = await readFile(path.join(dir, file), 'utf8');
    expect(pem).toMatch(/BEGIN PRIVATE KEY/);
    expect((await stat(path.join(dir, file))).mode & 0o777).toBe(0o600);
    const again = await load(undefined, 'local', dir);
    expect(again.publicKey.export({ format: 'pem', type: 'spki' })).toBe(
      first.publicKey.export({ format: 'pem', type: 'spki' }),
    );
  });
});
