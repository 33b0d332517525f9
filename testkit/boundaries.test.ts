import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('folder boundaries', () => {
  it('rejects core importing an adapter', async () => {
    const errors = await importErrors('core/x.ts', "import '../adapters/postgres/pool.ts';\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('core/ must not import');
  });

  it('rejects core doing I/O', async () => {
    const errors = await importErrors('core/x.ts', "import 'node:fs';\n");
    expect(errors[0]).toContain('core/ is pure');
  });

  it('rejects api importing a collector, and a collector importing the api', async () => {
    expect(
      await importErrors('api/routes/x.ts', "import '../../collectors/a/run.ts';\n"),
    ).toHaveLength(1);
    expect(await importErrors('collectors/a/run.ts', "import '../../api/app.ts';\n")).toHaveLength(
      1,
    );
  });

  it('lets infra read the catalog but not runtime code', async () => {
    expect(await importErrors('infra/index.ts', "import '../core/catalog/index.ts';\n")).toEqual(
      [],
    );
    expect(await importErrors('infra/index.ts', "import '../api/app.ts';\n")).toHaveLength(1);
  });

  it('lets a test reach the sandbox, but not the code it tests', async () => {
    expect(await importErrors('api/x.test.ts', "import '../sandbox/upstash/bridge.ts';\n")).toEqual(
      [],
    );
    expect(await importErrors('api/x.ts', "import '../sandbox/upstash/bridge.ts';\n")).toHaveLength(
      1,
    );
  });
});
