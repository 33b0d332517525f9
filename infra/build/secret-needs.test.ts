import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsOfEntry } from './secret-needs.ts';

// A small module graph on disk, resolved by esbuild as a bundle's would be.
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-secret-needs-'));
  await writeFile(
    path.join(dir, 'entry.ts'),
    "import { read } from './lib.ts';\nexport const handler = () => read({ DATABASE_URL: 'x' });\n",
  );
  await writeFile(
    path.join(dir, 'lib.ts'),
    [
      "import * as z from 'zod';",
      '// SMTP_URL is not read here: a comment does not count.',
      "const names = ['N8N_API_KEY'] as const;",
      'export const read = (c: { DATABASE_URL?: string }) => [c.DATABASE_URL, names, z];',
    ].join('\n'),
  );
  // Never imported by the entry: its names are not the bundle's.
  await writeFile(path.join(dir, 'unused.ts'), "export const x = 'SLACK_WEBHOOK_URL';\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secretsOfEntry', () => {
  it('finds the secret settings named in the code the entry reaches, not in comments or other modules', () => {
    expect(secretsOfEntry(dir, 'entry.ts')).toEqual(['DATABASE_URL', 'N8N_API_KEY']);
  });
});
