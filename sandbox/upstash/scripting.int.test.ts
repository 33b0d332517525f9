import { randomBytes } from 'node:crypto';
import type { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../adapters/upstash/client.ts';
import type { UpstashBridge } from './bridge.ts';
import { closeTestBridge, openTestBridge } from './test-bridge.ts';

// Lua scripting as upstash/docs documents it (redis/commands/scripting/eval, evalsha,
// scriptload): EVAL, EVALSHA, SCRIPT LOAD over REST, `{"result": …}` on success, a 400 with
// `{"error": "NOSCRIPT …"}` for an unknown sha (what `Script.exec` falls back on) and with the
// script's error otherwise. The bridge passes the commands to the real Redis; these tests hold
// it to that shape through the official client.
const prefix = `vigie-t-lua-${randomBytes(4).toString('hex')}:`;
let bridge: UpstashBridge;
let direct: IORedis;

beforeAll(async () => {
  ({ bridge, direct } = await openTestBridge());
});
afterAll(() => closeTestBridge({ bridge, direct }, prefix));

describe.each([true, false])('Lua scripts through @upstash/redis (auto-pipelining %s)', (auto) => {
  const k = (n: string) => `${prefix}${auto}:${n}`;
  const client = () =>
    createRedis({ url: bridge.url, token: bridge.token, retries: 0, autoPipelining: auto });

  it('EVAL runs with KEYS and ARGV; tables come back as arrays, integers as numbers', async () => {
    const redis = client();
    const r = await redis.eval(
      "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), 42, tostring(1.5)}",
      [k('a')],
      ['v'],
    );
    expect(r).toEqual(['v', 42, '1.5']);
    expect(await direct.get(k('a'))).toBe('v');
  });

  it('SCRIPT LOAD then EVALSHA; an unknown sha answers NOSCRIPT, which createScript falls back on', async () => {
    const redis = client();
    const body = `return ARGV[1] .. '${auto}'`;
    const sha = await redis.scriptLoad(body);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await redis.evalsha(sha, [], ['x'])).toBe(`x${auto}`);
    await direct.script('FLUSH');
    await expect(redis.evalsha(sha, [], ['x'])).rejects.toThrow(/NOSCRIPT/);
    const script = redis.createScript<string>(body);
    expect(await script.exec([], ['y'])).toBe(`y${auto}`);
    // The fallback EVAL cached it: EVALSHA works again.
    expect(await redis.evalsha(sha, [], ['z'])).toBe(`z${auto}`);
  });

  it("a script's runtime error is an error answer, and what the script wrote before it stays", async () => {
    const redis = client();
    await expect(
      redis.eval(
        "redis.call('SET', KEYS[1], '1'); return redis.call('INCR', ARGV[1], 'x')",
        [k('e')],
        [k('e')],
      ),
    ).rejects.toThrow(/ERR/);
    await expect(redis.eval('return redis.error_reply("MYERR nope")', [], [])).rejects.toThrow(
      /MYERR nope/,
    );
  });

  it('a script may read TIME and then write (effects replication, Redis ≥ 5)', async () => {
    const redis = client();
    const r = await redis.eval<unknown[], number>(
      "local t = redis.call('TIME'); redis.call('SET', KEYS[1], t[1]); return tonumber(t[1])",
      [k('t')],
      [],
    );
    expect(Math.abs(r - Date.now() / 1000)).toBeLessThan(5);
    expect(await direct.get(k('t'))).toBe(String(r));
  });
});

describe('raw wire', () => {
  it('EVAL over POST / answers {"result"}; NOSCRIPT over POST / is a 400 {"error"}', async () => {
    const post = (body: unknown) =>
      fetch(bridge.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${bridge.token}` },
        body: JSON.stringify(body),
      });
    const ok = await post(['EVAL', 'return {1, ARGV[1]}', '0', 'a']);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ result: [1, 'a'] });
    const missing = await post(['EVALSHA', 'f'.repeat(40), '0']);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/^NOSCRIPT/);
  });
});
