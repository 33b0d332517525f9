import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
/** Runs an ES module snippet in a fresh Node process; what it printed, or its stderr as the error. */
function loadInChild(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    );
  });
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
    moduleUrl: new URL('./receipt-key.ts', import.meta.url).href,
    exportName: 'loadReceiptSigner',
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
    moduleUrl: new URL('./checkpoint-config.ts', import.meta.url).href,
    exportName: 'loadCheckpointSigner',
  },
])('$name', ({ setting, load, file, moduleUrl, exportName }) => {
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

  it('on local staging, a key file that holds no key is named, not read as a short secret', async () => {
    const dir = await stateDir();
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), '');
    await expect(load(undefined, 'local', dir)).rejects.toThrow(
      new RegExp(`${path.basename(file)} does not hold an Ed25519 private key`),
    );
  });

  it('on local staging, processes starting together all get the first key, never a half-written file', async () => {
    const dir = await stateDir();
    // Separate processes, as the staging and a Lambda bundle started beside it are, all
    // loading at the same instant once started.
    const at = Date.now() + 2_000;
    const keys = await Promise.all(
      Array.from({ length: 8 }, () =>
        loadInChild(
          `const { ${exportName} } = await import(${JSON.stringify(moduleUrl)});
           while (Date.now() < ${at});
           const k = await ${exportName}({ VIGIE_STAGE: 'local', VIGIE_STATE_DIR: ${JSON.stringify(dir)} });
           process.stdout.write(k.publicKey.export({ format: 'pem', type: 'spki' }));`,
        ),
      ),
    );
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/BEGIN PUBLIC KEY/);
    const left = await readdir(path.dirname(path.join(dir, file)));
    expect(left).toEqual([path.basename(file)]);
  }, 60_000);
});
