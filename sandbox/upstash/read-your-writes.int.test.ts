import { randomBytes } from 'node:crypto';
import { Redis as UpstashClient } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../adapters/upstash/client.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { startUpstashBridge, type UpstashBridge } from './bridge.ts';

const prefix = `vigie-t-ryw-${randomBytes(4).toString('hex')}:`;
const k = (name: string) => prefix + name;

let bridge: UpstashBridge;
beforeAll(async () => {
  bridge = await startUpstashBridge({ redisUrl: testRedisUrl(), token: 'ryw-token' });
});
afterAll(async () => {
  const redis = createRedis({ url: bridge.url, token: bridge.token, autoPipelining: false });
  const keys = (await redis.keys(`${prefix}*`)) as string[];
  if (keys.length > 0) await redis.del(...keys);
  await bridge.close();
});

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(bridge.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${bridge.token}`, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    token: res.headers.get('upstash-sync-token'),
    json: await res.json(),
  };
}

describe('read-your-writes: the upstash-sync-token header', () => {
  it('every answer carries a token, and it changes once a request ran a command', async () => {
    const a = await post(['SET', k('a'), '1']);
    const b = await post(['GET', k('a')]);
    expect(a.token).toMatch(/\S/);
    expect(b.token).not.toBe(a.token);
    // A body refused before reaching Redis ran nothing: the state, and so the token, stays.
    const refused = await post(['NOPE-NOT-A-COMMAND'], { 'upstash-sync-token': b.token! });
    expect(refused.status).toBe(400);
    const bad = await post({ not: 'a command' });
    expect(bad.status).toBe(400);
    expect(bad.token).toBe(refused.token);
  });

  it('the official client sends back the token of the answer before (readYourWrites on by default)', async () => {
    const redis = new UpstashClient({
      url: bridge.url,
      token: bridge.token,
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
    await redis.set(k('c'), 'x');
    const afterWrite = redis.readYourWritesSyncToken;
    expect(afterWrite).toMatch(/\S/);
    expect(await redis.get(k('c'))).toBe('x');
    expect(bridge.lastSyncTokenReceived()).toBe(afterWrite);
    // What redis-js's own test checks: each write moves the client's token on.
    await redis.set(k('c'), 'y');
    expect(redis.readYourWritesSyncToken).not.toBe(afterWrite);
  });

  it('a token handed to a second client (cross-client sync, as documented) is honoured', async () => {
    const writer = createRedis({ url: bridge.url, token: bridge.token, autoPipelining: false });
    await writer.set(k('cross'), 'written');
    const token = writer.readYourWritesSyncToken;
    const reader = createRedis({ url: bridge.url, token: bridge.token, autoPipelining: false });
    reader.readYourWritesSyncToken = token;
    expect(await reader.get(k('cross'))).toBe('written');
    expect(bridge.lastSyncTokenReceived()).toBe(token);
  });

  it('readYourWrites off: the client sends no token, and the bridge still answers with one', async () => {
    const redis = new UpstashClient({
      url: bridge.url,
      token: bridge.token,
      readYourWrites: false,
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
    const before = bridge.lastSyncTokenReceived();
    await redis.set(k('off'), '1');
    await redis.get(k('off'));
    expect(bridge.lastSyncTokenReceived()).toBe(before);
    expect((await post(['GET', k('off')])).token).toMatch(/\S/);
  });

  it('a token the database never issued is refused with 400 and runs nothing', async () => {
    const { token } = await post(['PING']);
    const [epoch] = token!.split('.');
    const ahead = `${epoch}.999999999`;
    for (const given of [ahead, 'garbage']) {
      const res = await post(['SET', k('never'), '1'], { 'upstash-sync-token': given });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(/^ERR invalid upstash-sync-token/) });
    }
    expect((await post(['EXISTS', k('never')])).json).toEqual({ result: 0 });
    // Through the client the refusal is an error, not a stale read.
    const redis = createRedis({ url: bridge.url, token: bridge.token, autoPipelining: false });
    redis.readYourWritesSyncToken = ahead;
    await expect(redis.get(k('never'))).rejects.toThrow(/invalid upstash-sync-token/);
  });

  it('a token from another database (e.g. before a restart) cannot be ordered and is served', async () => {
    const other = await startUpstashBridge({ redisUrl: testRedisUrl(), token: 'other' });
    try {
      const res = await fetch(other.url, {
        method: 'POST',
        headers: { authorization: 'Bearer other' },
        body: JSON.stringify(['PING']),
      });
      const foreign = res.headers.get('upstash-sync-token')!;
      const served = await post(['PING'], { 'upstash-sync-token': foreign });
      expect(served).toMatchObject({ status: 200, json: { result: 'PONG' } });
    } finally {
      await other.close();
    }
  });
});
