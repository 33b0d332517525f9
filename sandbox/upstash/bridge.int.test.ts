import { randomBytes } from 'node:crypto';
import { Redis as UpstashClient } from '@upstash/redis';
import type { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, hashFromReply } from '../../adapters/upstash/client.ts';
import type { UpstashBridge } from './bridge.ts';
import { closeTestBridge, openTestBridge } from './test-bridge.ts';

const prefix = `vigie-t-bridge-${randomBytes(4).toString('hex')}:`;
const k = (name: string) => prefix + name;

let bridge: UpstashBridge;
let direct: IORedis;

beforeAll(async () => {
  ({ bridge, direct } = await openTestBridge());
});

afterAll(() => closeTestBridge({ bridge, direct }, prefix));

/** Raw wire access, for asserting exactly what the bridge sends back. */
async function post(
  path: string,
  body: string | unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(bridge.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${bridge.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as unknown };
}

// Auto-pipelining (the client's default) sends everything through /pipeline; without it each
// command is a POST to /. Both paths run the same suite, each under its own key prefix.
describe.each([
  { mode: 'auto-pipelined', autoPipelining: true },
  { mode: 'one request per command', autoPipelining: false },
])('through the official @upstash/redis client ($mode)', ({ mode, autoPipelining }) => {
  let redis: ReturnType<typeof createRedis>;
  const k = (name: string) => `${prefix}${mode}:${name}`;
  beforeAll(() => {
    redis = createRedis({ url: bridge.url, token: bridge.token, retries: 0, autoPipelining });
  });

  it('strings: set, get, incr, mset/mget, missing keys', async () => {
    expect(await redis.set(k('s'), 'hello')).toBe('OK');
    expect(await redis.get(k('s'))).toBe('hello');
    expect(await redis.append(k('s'), ' world')).toBe(11);
    expect(await redis.get(k('s'))).toBe('hello world');
    expect(await redis.incrby(k('n'), 5)).toBe(5);
    expect(await redis.incr(k('n'))).toBe(6);
    expect(await redis.mset({ [k('m1')]: 'a', [k('m2')]: 'b' })).toBe('OK');
    expect(await redis.mget(k('m1'), k('nope'), k('m2'))).toEqual(['a', null, 'b']);
    expect(await redis.get(k('nope'))).toBeNull();
    expect(await redis.set(k('s'), 'x', { nx: true })).toBeNull();
  });

  it('hashes: hset, hget, hincrby, hgetall as the adapter returns it', async () => {
    expect(await redis.hset(k('h'), { status: 'queued', attempts: '0' })).toBe(2);
    expect(await redis.hget(k('h'), 'status')).toBe('queued');
    expect(await redis.hincrby(k('h'), 'attempts', 2)).toBe(2);
    // Raw reply with deserialisation off: a flat array; hashFromReply makes it a record.
    const raw = await redis.hgetall(k('h'));
    expect(raw).toEqual(['status', 'queued', 'attempts', '2']);
    expect(hashFromReply(raw)).toEqual({ status: 'queued', attempts: '2' });
    expect(hashFromReply(await redis.hgetall(k('no-hash')))).toBeNull();
    expect(await redis.hdel(k('h'), 'status')).toBe(1);
    expect(await redis.hexists(k('h'), 'status')).toBe(0);
  });

  it('sorted sets: zadd, zrange with scores, zscore, zrank, zrem', async () => {
    expect(
      await redis.zadd(
        k('z'),
        { score: 3, member: 'c' },
        { score: 1.5, member: 'a' },
        { score: 2, member: 'b' },
      ),
    ).toBe(3);
    expect(await redis.zrange(k('z'), 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await redis.zrange(k('z'), 0, -1, { withScores: true })).toEqual([
      'a',
      '1.5',
      'b',
      '2',
      'c',
      '3',
    ]);
    expect(await redis.zscore(k('z'), 'a')).toBe('1.5');
    expect(await redis.zrank(k('z'), 'c')).toBe(2);
    expect(await redis.zrange(k('z'), 2, 3, { byScore: true })).toEqual(['b', 'c']);
    expect(await redis.zrem(k('z'), 'b')).toBe(1);
    expect(await redis.zcard(k('z'))).toBe(2);
  });

  it('lists: push, range, pop, length', async () => {
    expect(await redis.rpush(k('l'), 'job-1', 'job-2')).toBe(2);
    expect(await redis.lpush(k('l'), 'job-0')).toBe(3);
    expect(await redis.lrange(k('l'), 0, -1)).toEqual(['job-0', 'job-1', 'job-2']);
    expect(await redis.lpop(k('l'))).toBe('job-0');
    expect(await redis.rpop(k('l'))).toBe('job-2');
    expect(await redis.llen(k('l'))).toBe(1);
    expect(await redis.lpop(k('empty-list'))).toBeNull();
  });

  it('sets, bitmaps and HyperLogLog', async () => {
    expect(await redis.sadd(k('set'), 'a', 'b', 'c')).toBe(3);
    expect(await redis.sadd(k('set2'), 'b', 'c', 'd')).toBe(3);
    expect(await redis.sismember(k('set'), 'a')).toBe(1);
    expect((await redis.sinter(k('set'), k('set2'))).sort()).toEqual(['b', 'c']);
    expect((await redis.sunion(k('set'), k('set2'))).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(await redis.scard(k('set'))).toBe(3);
    expect(await redis.srem(k('set'), 'a')).toBe(1);
    expect(await redis.setbit(k('bits'), 7, 1)).toBe(0);
    expect(await redis.getbit(k('bits'), 7)).toBe(1);
    expect(await redis.bitcount(k('bits'), 0, -1)).toBe(1);
    expect(await redis.pfadd(k('hll'), 'x', 'y', 'z', 'x')).toBe(1);
    expect(await redis.pfcount(k('hll'))).toBe(3);
  });

  it('geo, streams and keys: geoadd/geodist, xadd/xlen/xrange, type/rename/scan/ttl', async () => {
    expect(
      await redis.geoadd(
        k('geo'),
        { longitude: 2.3522, latitude: 48.8566, member: 'paris' },
        { longitude: 4.8357, latitude: 45.764, member: 'lyon' },
      ),
    ).toBe(2);
    expect(Number(await redis.geodist(k('geo'), 'paris', 'lyon', 'KM'))).toBeCloseTo(392, 0);
    const id = await redis.xadd(k('stream'), '*', { event: 'sent', n: '1' });
    expect(id).toMatch(/^\d+-\d+$/);
    expect(await redis.xlen(k('stream'))).toBe(1);
    expect(await redis.xrange(k('stream'), '-', '+')).toEqual([[id, ['event', 'sent', 'n', '1']]]);
    expect(await redis.type(k('stream'))).toBe('stream');
    await redis.set(k('old-name'), 'v', { ex: 100 });
    expect(await redis.rename(k('old-name'), k('new-name'))).toBe('OK');
    expect(await redis.exists(k('old-name'), k('new-name'))).toBe(1);
    expect(await redis.ttl(k('new-name'))).toBeGreaterThan(90);
    const found: string[] = [];
    let cursor: string | number = 0;
    do {
      const [next, keys]: [string | number, string[]] = await redis.scan(cursor, {
        match: k('new-*'),
        count: 1000,
      });
      found.push(...keys);
      cursor = next;
    } while (String(cursor) !== '0');
    expect(found).toEqual([k('new-name')]);
  });

  it('scripting: eval, script load and evalsha with keys and arguments', async () => {
    const script = "return redis.call('SET', KEYS[1], ARGV[1])";
    expect(await redis.eval(script, [k('lua')], ['from-lua'])).toBe('OK');
    expect(await redis.get(k('lua'))).toBe('from-lua');
    const sha = await redis.scriptLoad('return {KEYS[1], ARGV[1], 42}');
    expect(await redis.evalsha(sha, [k('key')], ['arg'])).toEqual([k('key'), 'arg', 42]);
  });

  it('pipelines: results in order; an error entry fails only its command', async () => {
    const results = await redis.pipeline().set(k('p1'), 'v').incr(k('p2')).get(k('p1')).exec();
    expect(results).toEqual(['OK', 1, 'v']);

    const kept = await redis
      .pipeline()
      .set(k('p3'), 'text')
      .incr(k('p3'))
      .set(k('p4'), 'after')
      .exec({ keepErrors: true });
    expect(kept[0]).toEqual({ result: 'OK', error: undefined });
    expect(kept[1]?.error).toBe('ERR value is not an integer or out of range');
    expect(kept[2]?.result).toBe('OK');
    expect(await redis.get(k('p4'))).toBe('after');

    await expect(redis.pipeline().set(k('p5'), 'x').incr(k('p3')).exec()).rejects.toThrow(
      /Command 2 \[ incr \] failed: ERR value is not an integer/,
    );
  });

  it('multi-exec: results in order; a runtime error does not stop the others', async () => {
    const results = await redis.multi().set(k('t1'), '1').incr(k('t1')).get(k('t1')).exec();
    expect(results).toEqual(['OK', 2, '2']);

    const kept = await redis
      .multi()
      .set(k('t2'), 'text')
      .incr(k('t2'))
      .set(k('t3'), 'ran')
      .exec({ keepErrors: true });
    expect(kept[1]?.error).toBe('ERR value is not an integer or out of range');
    expect(await redis.get(k('t3'))).toBe('ran');
  });

  it('multi-exec is atomic: a concurrent reader never sees a half-applied transaction', async () => {
    const key = k('atomic');
    // Large enough to span several of Redis's socket reads: a plain pipeline of this size
    // does interleave with the reader (checked by swapping multi() for pipeline()).
    const perTx = 2_000;
    const txs = 5;
    const seen = new Set<number>();
    let writing = true;
    const reader = (async () => {
      while (writing) seen.add(Number((await direct.get(key)) ?? 0));
    })();
    for (let t = 0; t < txs; t++) {
      const tx = redis.multi();
      for (let i = 0; i < perTx; i++) tx.incr(key);
      await tx.exec();
    }
    writing = false;
    await reader;
    expect(Number(await direct.get(key))).toBe(perTx * txs);
    expect(seen.size).toBeGreaterThan(1);
    for (const value of seen) expect(value % perTx).toBe(0);
  });

  it('multi-exec discarded as a whole when a command is refused: nothing runs', async () => {
    const res = await post('/multi-exec', [
      ['SET', k('discarded'), 'x'],
      ['NOSUCHCOMMAND', 'a'],
    ]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/^ERR unknown command/) });
    expect(await direct.exists(k('discarded'))).toBe(0);
  });

  it('expiry: EX and PX set a TTL; an expiry in the past removes the key', async () => {
    await redis.set(k('ex'), 'v', { ex: 100 });
    const ttl = await redis.ttl(k('ex'));
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);

    await redis.set(k('px'), 'v', { px: 50_000 });
    const pttl = await redis.pttl(k('px'));
    expect(pttl).toBeGreaterThan(40_000);
    expect(pttl).toBeLessThanOrEqual(50_000);

    expect(await redis.ttl(k('no-ttl-key'))).toBe(-2);
    await redis.set(k('persist'), 'v');
    expect(await redis.ttl(k('persist'))).toBe(-1);

    // Compressed time: expire "an hour ago" rather than waiting for a short TTL.
    expect(await redis.pexpireat(k('persist'), Date.now() - 3_600_000)).toBe(1);
    expect(await redis.get(k('persist'))).toBeNull();
  });

  it('a wrong token is refused with 401, surfaced by the client', async () => {
    const wrong = createRedis({
      url: bridge.url,
      token: 'not-the-token',
      retries: 0,
      autoPipelining,
    });
    await expect(wrong.get(k('s'))).rejects.toThrow(/^Unauthorized/);
    await expect(wrong.set(k('unauth'), 'x')).rejects.toThrow(/Unauthorized/);
    expect(await direct.exists(k('unauth'))).toBe(0);
  });

  it('a command error surfaces with Redis’s message', async () => {
    await redis.set(k('not-a-number'), 'abc');
    await expect(redis.incr(k('not-a-number'))).rejects.toThrow(
      'ERR value is not an integer or out of range',
    );
    await redis.lpush(k('a-list'), 'x');
    await expect(redis.get(k('a-list'))).rejects.toThrow(
      autoPipelining ? /^Command failed: WRONGTYPE/ : /^WRONGTYPE Operation against a key/,
    );
  });

  it('values that look like numbers or JSON come back as the exact strings stored', async () => {
    const values = [
      '123',
      '0123',
      '1e3',
      '-0',
      '9007199254740993',
      '{"a":1}',
      '[1,2]',
      'true',
      'null',
      '"quoted"',
      'Zoë — 日本語 🚀',
    ];
    for (const [i, value] of values.entries()) await redis.set(k(`v${i}`), value);
    for (const [i, value] of values.entries()) expect(await redis.get(k(`v${i}`))).toBe(value);
    expect(await redis.mget(...values.map((_, i) => k(`v${i}`)))).toEqual(values);

    await redis.hset(k('vh'), { count: '123', doc: '{"a":1}', flag: 'true' });
    expect(hashFromReply(await redis.hgetall(k('vh')))).toEqual({
      count: '123',
      doc: '{"a":1}',
      flag: 'true',
    });
    await redis.rpush(k('vl'), ...values);
    expect(await redis.lrange(k('vl'), 0, -1)).toEqual(values);

    // Why the adapter turns deserialisation off: the client's default changes the values.
    const defaults = new UpstashClient({
      url: bridge.url,
      token: bridge.token,
      enableAutoPipelining: autoPipelining,
    });
    expect(await defaults.get(k('v0'))).toBe(123);
    expect(await defaults.get(k('v5'))).toEqual({ a: 1 });
  });

  it('binary-ish strings and "OK" round-trip, alone and inside arrays', async () => {
    const values = ['\u0000\u0001\u00ff', 'line\r\nbreak', 'OK', 'T0s=', '', ' padded '];
    for (const [i, value] of values.entries()) await redis.set(k(`b${i}`), value);
    for (const [i, value] of values.entries()) expect(await redis.get(k(`b${i}`))).toBe(value);
    expect(await redis.mget(...values.map((_, i) => k(`b${i}`)))).toEqual(values);
    expect(await redis.strlen(k('b0'))).toBe(Buffer.byteLength('\u0000\u0001\u00ff'));
  });

  it('a blocking command gets its own connection and does not stall other requests', async () => {
    const blocked = post('/', ['BLPOP', k('queue'), 5]);
    // Let the BLPOP reach Redis before the push; polling a cheap command keeps this short.
    for (let i = 0; i < 50 && String(await direct.client('LIST')).split('blpop').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await redis.rpush(k('queue'), 'job')).toBe(1);
    const res = await blocked;
    expect(res.json).toEqual({ result: [k('queue'), 'job'] });
  });

  it('fault knob: outage answers 503 until cleared', async () => {
    bridge.faults.outage = true;
    try {
      await expect(redis.get(k('s'))).rejects.toThrow(/Service Unavailable/);
      const res = await post('/', ['PING']);
      expect(res.status).toBe(503);
    } finally {
      bridge.faults.outage = false;
    }
    expect(await redis.ping()).toBe('PONG');
  });
});

describe('the wire format (raw fetch)', () => {
  it('base64 off: plain strings, integers, nil and nested arrays', async () => {
    expect((await post('/', ['SET', k('w'), 'bar'])).json).toEqual({ result: 'OK' });
    expect((await post('/', ['GET', k('w')])).json).toEqual({ result: 'bar' });
    expect((await post('/', ['GET', k('missing')])).json).toEqual({ result: null });
    expect((await post('/', ['STRLEN', k('w')])).json).toEqual({ result: 3 });
    expect((await post('/', ['MGET', k('w'), k('missing')])).json).toEqual({
      result: ['bar', null],
    });
    expect((await post('/', ['EVAL', "return {1, 'a', {2, 'OK'}}", 0])).json).toEqual({
      result: [1, 'a', [2, 'OK']],
    });
  });

  it('base64 on: every string encoded except a top-level "OK"', async () => {
    const b64 = { 'Upstash-Encoding': 'base64' };
    expect((await post('/', ['SET', k('w64'), 'bar'], b64)).json).toEqual({ result: 'OK' });
    expect((await post('/', ['GET', k('w64')], b64)).json).toEqual({ result: 'YmFy' });
    expect((await post('/', ['STRLEN', k('w64')], b64)).json).toEqual({ result: 3 });
    expect((await post('/', ['MGET', k('w64'), k('missing')], b64)).json).toEqual({
      result: ['YmFy', null],
    });
    expect((await post('/', ['EVAL', "return {1, 'a', {2, 'OK'}}", 0], b64)).json).toEqual({
      result: [1, 'YQ==', [2, 'T0s=']],
    });
    expect(
      (
        await post(
          '/pipeline',
          [
            ['SET', k('w64'), 'x'],
            ['GET', k('w64')],
          ],
          b64,
        )
      ).json,
    ).toEqual([{ result: 'OK' }, { result: 'eA==' }]);
  });

  it('integers beyond 2^53 are exact JSON numbers', async () => {
    await direct.set(k('big'), '9007199254740992');
    const res = await post('/', ['INCR', k('big')]);
    expect(res.text).toBe('{"result":9007199254740993}');
  });

  it('pipeline: per-command result and error entries', async () => {
    const res = await post('/pipeline', [
      ['SET', k('pw'), 'valuex'],
      ['INCR', k('pw')],
      ['ZADD', k('pz'), 11, 'item1', 22, 'item2'],
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 2 },
    ]);
  });

  it('bad commands and bodies: 400 with {"error": "ERR …"} and nothing executed', async () => {
    const cases: [string, string | unknown][] = [
      ['/', '["SET", "k" '],
      ['/', { command: 'SET' }],
      ['/', []],
      ['/', [42, 'x']],
      ['/', ['SET', k('bad'), { nested: true }]],
      ['/', ['SET', k('bad'), null]],
      ['/', ['SELECT', 1]],
      ['/pipeline', []],
      ['/pipeline', ['SET', k('bad'), 'x']],
      ['/pipeline', [['SET', k('bad'), 'x'], 'GET']],
      ['/multi-exec', '{not json'],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(/^ERR /) });
    }
    expect(await direct.exists(k('bad'))).toBe(0);

    const unknown = await post('/', ['NOSUCHCOMMAND']);
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: expect.stringMatching(/^ERR unknown command/) });
  });

  it('auth: missing or wrong token is 401 {"error":"Unauthorized"}; _token works', async () => {
    const missing = await fetch(bridge.url, { method: 'POST', body: '["PING"]' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'Unauthorized' });
    const wrong = await post('/', ['PING'], { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const query = await fetch(`${bridge.url}/?_token=${bridge.token}`, {
      method: 'POST',
      body: '["PING"]',
    });
    expect(await query.json()).toEqual({ result: 'PONG' });
  });

  it('path-style commands, as the REST API page\'s "API Semantics" examples send them', async () => {
    const auth = { authorization: `Bearer ${bridge.token}` };
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(bridge.url + path, {
        ...init,
        headers: { ...auth, ...init.headers },
      });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    const key = encodeURIComponent(k('path-foo'));
    // `SET foo bar` -> REST_URL/set/foo/bar answers { "result": "OK" }.
    expect(await call(`/set/${key}/bar`)).toEqual({ status: 200, json: { result: 'OK' } });
    expect(await call(`/get/${key}`)).toEqual({ status: 200, json: { result: 'bar' } });
    // `SET foo bar EX 100` -> REST_URL/set/foo/bar/EX/100.
    await call(`/set/${key}/bar/EX/100`);
    expect(await direct.ttl(k('path-foo'))).toBeGreaterThan(90);
    // "JSON or Binary Value": the POST body is the last argument, query parameters follow it.
    const value = '{"name":"ada","tags":["a/b","c d"]}';
    await call(`/set/${key}?EX=100`, { method: 'POST', body: value });
    expect(await direct.get(k('path-foo'))).toBe(value);
    expect(await direct.ttl(k('path-foo'))).toBeGreaterThan(90);
    // `_token` authenticates and is not an argument.
    const byToken = await fetch(`${bridge.url}/get/${key}?_token=${bridge.token}`);
    expect(await byToken.json()).toEqual({ result: value });
    // "Base64 Encoded Responses": /SET/foo/bar stays "OK", /GET/foo is "YmFy".
    const base64 = { headers: { 'upstash-encoding': 'base64' } };
    expect((await call(`/SET/${key}/bar`, base64)).json).toEqual({ result: 'OK' });
    expect((await call(`/GET/${key}`, base64)).json).toEqual({ result: 'YmFy' });
    const h = encodeURIComponent(k('employee:23381'));
    await direct.hset(k('employee:23381'), 'salary', '100');
    expect((await call(`/hget/${h}/salary`)).json).toEqual({ result: '100' });
    const z = encodeURIComponent(k('teams'));
    expect((await call(`/zadd/${z}/100/team-x/90/team-y`)).json).toEqual({ result: 2 });
    expect((await call(`/mget/${key}/${z}-none`)).json).toEqual({ result: ['bar', null] });
    expect(
      (await call(`/publish/${encodeURIComponent(k('chat'))}/hello`, { method: 'POST' })).json,
    ).toEqual({ result: 0 });
    const unknown = await call('/nosuchcommand/x');
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: expect.stringMatching(/^ERR unknown command/) });
    expect((await fetch(`${bridge.url}/get/${key}`)).status).toBe(401);
  });

  it('methods other than HEAD, GET, POST and PUT get 405; responses are JSON', async () => {
    const res = await fetch(bridge.url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bridge.token}` },
    });
    expect(res.status).toBe(405);
    const ok = await post('/', ['PING']);
    expect(ok.json).toEqual({ result: 'PONG' });
  });
});
