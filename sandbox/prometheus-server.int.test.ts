import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VigieError } from '../core/errors.ts';
import { isAlive } from '../testkit/process.ts';
import { startPrometheusServer } from './prometheus-server.ts';

// The real Debian `prometheus` (CI installs it), through the shared child-server start-up.
const root = mkdtempSync(join(tmpdir(), 'vigie-prometheus-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('startPrometheusServer', () => {
  it('starts a Prometheus that answers its API with our scrape job, and stop() leaves no process', async () => {
    const server = await startPrometheusServer({
      dataDir: join(root, 'a'),
      scrapeTargets: ['127.0.0.1:9'],
    });
    try {
      const response = await fetch(`${server.url}/api/v1/status/config`);
      const body = (await response.json()) as { data: { yaml: string } };
      expect(body.data.yaml).toContain('job_name: otlp');
      expect(body.data.yaml).toContain('honor_labels: true');
      expect(isAlive(server.pid)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(isAlive(server.pid)).toBe(false);
  });

  it('a prometheus that exits at once is reported with what it printed', async () => {
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'prometheus'), '#!/bin/sh\necho "bad flag" >&2\nexit 3\n');
    chmodSync(join(bin, 'prometheus'), 0o755);
    const error = await startPrometheusServer({
      dataDir: join(root, 'b'),
      scrapeTargets: ['127.0.0.1:9'],
      env: { PATH: bin },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VigieError);
    expect((error as VigieError).message).toMatch(
      /^prometheus did not start on 127\.0\.0\.1:\d+: prometheus exited \(3\)\nbad flag/,
    );
  });
});
