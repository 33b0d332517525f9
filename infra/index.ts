import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { parseStackSettings } from './config.ts';
import { loadDashboards } from './dashboards.ts';
import { deployVigie } from './program.ts';
import { readStackFile } from './stack-files.ts';

/**
 * `pulumi up`'s entry (Pulumi.yaml `main: infra/`): the stack's `vigie:` settings, validated
 * at once (every problem named), then the program. The keys and which are secrets come from
 * `Pulumi.<stack>.yaml` (as `vigie infra plan` reads them); secret values only through Pulumi's
 * config, so they stay Pulumi secrets. Resources live in `program.ts`, which tests and
 * `vigie infra plan` run under mocks.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const stack = pulumi.getStack();
const file = await readStackFile(root, stack);
const config = new pulumi.Config('vigie');
const settings = parseStackSettings(stack, file.plain, file.secretNames, (name) =>
  config.requireSecret(name),
);

export const outputs = deployVigie({ settings, root, dashboards: await loadDashboards() });
