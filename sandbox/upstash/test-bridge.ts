import { randomBytes } from 'node:crypto';
import { Redis as IORedis } from 'ioredis';
import { testRedisUrl } from '../../testkit/redis.ts';
import { startUpstashBridge, type UpstashBridge } from './bridge.ts';

/**
 * For the bridge's own tests: a bridge over the test Redis (a random token) and a direct
 * ioredis client to check what reached Redis. `closeTestBridge` removes the keys under the
 * test's prefix and closes both.
 */
export async function openTestBridge(): Promise<{ bridge: UpstashBridge; direct: IORedis }> {
  const redisUrl = testRedisUrl();
  const bridge = await startUpstashBridge({ redisUrl, token: randomBytes(16).toString('hex') });
  return { bridge, direct: new IORedis(redisUrl) };
}

export async function closeTestBridge(
  t: { bridge?: UpstashBridge; direct?: IORedis },
  prefix: string,
): Promise<void> {
  if (t.direct) {
    const keys = await t.direct.keys(`${prefix}*`);
    if (keys.length > 0) await t.direct.del(...keys);
    t.direct.disconnect();
  }
  await t.bridge?.close();
}
