import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors } from '../../core/catalog/collectors.ts';
import { heartbeats } from '../../core/catalog/monitors.ts';
import { configSchema } from '../../core/config.ts';
import { getTelemetry } from '../../telemetry/current.ts';
import { heartbeatSettings as heartbeatSetting } from '../../core/heartbeat-settings.ts';

// A real HTTP server on 127.0.0.1 stands in for Better Stack's heartbeat URLs: it records the
// paths pinged. Each handler runs without DATABASE_URL, so its run fails on config and the
// handler must ping `<its heartbeat URL>/fail` — proving it reads that collector's setting.
let server: Server;
let base = '';
const pinged: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    pinged.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.env = savedEnv;
  await getTelemetry()?.shutdown();
  await new Promise((resolve) => server.close(resolve));
});

describe('collector heartbeats', () => {
  it('gives every catalog heartbeat a setting in the config schema', () => {
    expect(heartbeats.map((h) => h.collector).sort()).toEqual(collectors.map((c) => c.name).sort());
    for (const h of heartbeats) {
      const setting = heartbeatSetting[h.collector as keyof typeof heartbeatSetting];
      expect(setting, h.collector).toMatch(/^HEARTBEAT_URL_[A-Z0-9_]+$/);
      expect(Object.keys(configSchema.shape), h.collector).toContain(setting);
    }
    expect(new Set(Object.values(heartbeatSetting)).size).toBe(collectors.length);
  });

  it.each(heartbeats.map((h) => [h.collector] as const))(
    'the %s handler pings its own heartbeat URL',
    async (collector) => {
      const name = collector as keyof typeof heartbeatSetting;
      process.env = { VIGIE_STAGE: 'staging', [heartbeatSetting[name]]: `${base}/hb/${collector}` };
      // The handler module itself, as its Lambda bundle loads it.
      const { handler } = (await import(`../${collector}/handler.ts`)) as {
        handler: (event: unknown, context: unknown) => Promise<unknown>;
      };
      await expect(handler({}, {})).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
      expect(pinged).toContain(`/hb/${collector}/fail`);
    },
  );

  it('pings `/fail` when the deployment itself is misconfigured (no VIGIE_STAGE)', async () => {
    process.env = { [heartbeatSetting.cost]: `${base}/hb/misconfigured` };
    const { handler } = (await import('../cost/handler.ts')) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    await expect(handler({}, {})).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/VIGIE_STAGE/),
    });
    expect(pinged).toContain('/hb/misconfigured/fail');
  });
});

describe('collectorHandler', () => {
  it("hands the run the Lambda context's time left (alert-dispatch bounds its polling by it)", async () => {
    process.env = { VIGIE_STAGE: 'staging' };
    const { collectorHandler } = await import('./handler.ts');
    const seen: number[] = [];
    const handler = collectorHandler('alert-dispatch', async (_config, now, invocation) => {
      seen.push(invocation?.remainingMs() ?? -1);
      return {
        collector: 'alert-dispatch',
        at: now.toISOString(),
        status: 'ok',
        unread: [],
        alertsRaised: [],
        metrics: [],
      };
    });
    let left = 42_000;
    await handler({}, { awsRequestId: 'r-1', getRemainingTimeInMillis: () => (left -= 1_000) });
    await handler({}, {});
    expect(seen).toEqual([41_000, -1]);
  });
});
