import { describe, expect, it } from 'vitest';
import { OrgRateLimiter } from '../../adapters/anthropic/rate-limiter.ts';
import { SharedRateLimiter } from '../../adapters/anthropic/shared-rate-limiter.ts';
import { createRedis } from '../../adapters/upstash/client.ts';
import { parseConfig } from '../../core/config.ts';
import { limiterFor } from './enrichments.ts';

// No request is made: the client is only built.
const redis = createRedis({ url: 'http://127.0.0.1:1', token: 'unused' });
const upstash = { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1', UPSTASH_REDIS_REST_TOKEN: 't' };

describe('limiterFor', () => {
  it('auto: shared through Upstash when both Upstash settings are there, else per process', () => {
    const withUpstash = parseConfig({ VIGIE_STAGE: 'local', ...upstash });
    expect(limiterFor({ config: withUpstash, redis })).toBeInstanceOf(SharedRateLimiter);
    const without = parseConfig({ VIGIE_STAGE: 'local' });
    expect(limiterFor({ config: without, redis })).toBeInstanceOf(OrgRateLimiter);
    const tokenOnly = parseConfig({ VIGIE_STAGE: 'local', UPSTASH_REDIS_REST_TOKEN: 't' });
    expect(limiterFor({ config: tokenOnly, redis })).toBeInstanceOf(OrgRateLimiter);
  });

  it('process forces the in-process limiter; shared without Upstash is a clear error', () => {
    const forced = parseConfig({ VIGIE_STAGE: 'local', ENRICHMENT_LIMITER: 'process', ...upstash });
    expect(limiterFor({ config: forced, redis })).toBeInstanceOf(OrgRateLimiter);
    const shared = parseConfig({ VIGIE_STAGE: 'local', ENRICHMENT_LIMITER: 'shared' });
    expect(() => limiterFor({ config: shared, redis })).toThrow(/UPSTASH_REDIS_REST_URL/);
    expect(() => parseConfig({ VIGIE_STAGE: 'local', ENRICHMENT_LIMITER: 'redis' })).toThrow(
      /auto, shared, process/,
    );
  });
});
