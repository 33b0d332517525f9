import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The real `vigie alerts dispatch`, its database unreachable (nothing listens on port 1). */
function dispatch(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['cli/vigie.ts', 'alerts', 'dispatch', ...args], {
      env: {
        ...process.env,
        VIGIE_STAGE: 'local',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/vigie',
        SLACK_WEBHOOK_URL: 'http://127.0.0.1:1/services/T0/B0/x',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Before the fix the loop swallowed every error and never ended: bound the wait.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('vigie alerts dispatch with the database down', () => {
  it('logs each failed tick, gives up after --max-failures and exits 1 saying how to fix it', async () => {
    const result = await dispatch(['--max-failures', '2']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tick failed \(1\/2\), retrying in 1 s: .*ECONNREFUSED/);
    expect(result.stderr).toMatch(
      /stopped: 2 tick\(s\) in a row failed, the last with: .*ECONNREFUSED/,
    );
    expect(result.stderr).toMatch(/DATABASE_URL \(127\.0\.0\.1:1\/vigie\)/);
    expect(result.stderr).toMatch(/npm start/);
    expect(result.stderr).not.toMatch(/undefined|unexpected error/);
  });

  it('--once exits 1 with the same explanation', async () => {
    const result = await dispatch(['--once']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/stopped: 1 tick\(s\) in a row failed, .*ECONNREFUSED/);
  });

  it('refuses a --max-failures that is not a small whole number', async () => {
    const result = await dispatch(['--max-failures', 'lots']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--max-failures must be a whole number/);
  });
});
