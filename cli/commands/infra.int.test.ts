import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../core/catalog/collectors.ts';
import { REQUIRED_SECRETS } from '../../infra/config.ts';

// The real `vigie` command in a child process, as a user runs it.
const vigie = (args: string[], cwd = process.cwd()) =>
  spawnSync(process.execPath, [path.join(process.cwd(), 'cli/vigie.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('vigie infra', () => {
  it('plan prints what pulumi up would create, as text and as JSON', () => {
    const text = vigie(['infra', 'plan', '--stack', 'staging']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Stack staging: pulumi up would create \d+ resources/);
    expect(text.stdout).toContain('vigie-staging-collector-cost');
    expect(text.stdout).toContain('scheduleExpressionTimezone="Europe/Paris"');
    const json = vigie(['infra', 'plan', '--stack', 'prod', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as { stack: string; resources: Array<{ type: string }> };
    expect(plan.stack).toBe('prod');
    expect(plan.resources.filter((r) => r.type === 'aws:lambda/function:Function')).toHaveLength(
      collectors.length + 1,
    );
    // Two child processes each run the whole program under the mocks: not a speed target,
    // a bound that holds on a loaded machine (spawnSync itself stops each at 120 s).
  }, 240_000);

  it('secrets lists the pulumi config set --secret commands still missing, required first', () => {
    const run = vigie(['infra', 'secrets', '--stack', 'prod']);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').slice(1);
    expect(lines.slice(0, REQUIRED_SECRETS.length)).toEqual(
      REQUIRED_SECRETS.map((n) => `pulumi config set --secret --stack prod vigie:${n} '…'`),
    );
    expect(lines.slice(REQUIRED_SECRETS.length).every((l) => l.endsWith('# optional'))).toBe(true);
  });

  it('leaves out the secrets a stack file already has, and explains a bad stack', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigie-infra-'));
    try {
      writeFileSync(
        path.join(dir, 'Pulumi.staging.yaml'),
        `${readFileSync('Pulumi.staging.yaml', 'utf8')}  vigie:DATABASE_URL:\n    secure: v1:abc\n`,
      );
      const run = vigie(['infra', 'secrets', '--stack', 'staging'], dir);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).not.toContain('vigie:DATABASE_URL');
      expect(run.stdout).toContain('vigie:SLACK_WEBHOOK_URL');
      const missing = vigie(['infra', 'secrets', '--stack', 'qa'], dir);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('pulumi stack init qa');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
