import { randomBytes } from 'node:crypto';
import { Redis as IORedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../adapters/upstash/client.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { startUpstashBridge, type UpstashBridge } from './bridge.ts';

const REDIS_URL = testRedisUrl();
const prefix = `vigie-t-pubsub-${randomBytes(4).toString('hex')}:`;
const ch = (name: string) => prefix + name;

let bridge: UpstashBridge;
let direct: IORedis;

beforeAll(async () => {
  bridge = await startUpstashBridge({
    redisUrl: REDIS_URL,
    token: randomBytes(16).toString('hex'),
  });
  direct = new IORedis(REDIS_URL);
});

// Streams a failed test left open would skew the next test's counts.
const opened: Array<{ unsubscribe(): Promise<void> }> = [];
const track = <T extends { unsubscribe(): Promise<void> }>(sub: T): T => (opened.push(sub), sub);
afterEach(async () => {
  for (const sub of opened.splice(0)) await sub.unsubscribe();
  await until(() => bridge.openSubscriptions() === 0);
});

afterAll(async () => {
  direct.disconnect();
  await bridge.close();
});

/** Resolves with the first value `on(type)` delivers. */
function first<T>(on: (type: string, listener: (data: T) => void) => void, type: string) {
  return new Promise<T>((resolve) => on(type, resolve));
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached within 2 s');
}

async function subscribers(channel: string): Promise<number> {
  const [, n] = (await direct.pubsub('NUMSUB', channel)) as [string, number];
  return Number(n);
}

describe('pub/sub through the official @upstash/redis client', () => {
  it('subscribe: confirmation, then each PUBLISH in order; publish counts receivers', async () => {
    const redis = createRedis({ url: bridge.url, token: bridge.token, retries: 0 });
    const sub = track(redis.subscribe<unknown>(ch('chat')));
    expect(await first<number>(sub.on.bind(sub) as never, 'subscribe')).toBe(1);

    const received: Array<{ channel: string; message: unknown }> = [];
    sub.on('message', (m) => received.push(m));
    expect(await redis.publish(ch('chat'), 'hello')).toBe(1);
    expect(await redis.publish(ch('chat'), { kind: 'json', n: 2 })).toBe(1);
    expect(await redis.publish(ch('other'), 'not for us')).toBe(0);
    await until(() => received.length === 2);
    expect(received).toEqual([
      { channel: ch('chat'), message: 'hello' },
      // The adapter turns deserialisation off: JSON arrives as the text published.
      { channel: ch('chat'), message: '{"kind":"json","n":2}' },
    ]);

    // Unsubscribing closes the stream, and with it the bridge's subscriber connection.
    await sub.unsubscribe();
    await until(
      async () => bridge.openSubscriptions() === 0 && (await subscribers(ch('chat'))) === 0,
    );
    expect(await redis.publish(ch('chat'), 'after')).toBe(0);
  });

  it('psubscribe: pmessage with pattern and channel for every matching channel', async () => {
    const redis = createRedis({ url: bridge.url, token: bridge.token, retries: 0 });
    const sub = track(redis.psubscribe<string>(ch('room:*')));
    expect(await first<number>(sub.on.bind(sub) as never, 'psubscribe')).toBe(1);
    const received: unknown[] = [];
    sub.on('pmessage', (m) => received.push(m));
    await redis.publish(ch('room:1'), 'a');
    await redis.publish(ch('hall'), 'b');
    await redis.publish(ch('room:2'), 'c');
    await until(() => received.length === 2);
    expect(received).toEqual([
      { pattern: ch('room:*'), channel: ch('room:1'), message: 'a' },
      { pattern: ch('room:*'), channel: ch('room:2'), message: 'c' },
    ]);
    await sub.unsubscribe();
    await until(() => bridge.openSubscriptions() === 0);
  });

  it('two subscribers on one channel both receive, and a wrong token cannot subscribe', async () => {
    const redis = createRedis({ url: bridge.url, token: bridge.token, retries: 0 });
    const a = track(redis.subscribe<string>(ch('fan')));
    const b = track(redis.subscribe<string>(ch('fan')));
    await Promise.all([
      first(a.on.bind(a) as never, 'subscribe'),
      first(b.on.bind(b) as never, 'subscribe'),
    ]);
    const got = Promise.all([
      first(a.on.bind(a) as never, 'message'),
      first(b.on.bind(b) as never, 'message'),
    ]);
    expect(await redis.publish(ch('fan'), 'x')).toBe(2);
    expect(await got).toEqual([
      { channel: ch('fan'), message: 'x' },
      { channel: ch('fan'), message: 'x' },
    ]);
    await a.unsubscribe();
    await b.unsubscribe();

    const wrong = createRedis({ url: bridge.url, token: 'not-the-token', retries: 0 });
    const refused = track(wrong.subscribe<string>(ch('fan')));
    expect(String(await first(refused.on.bind(refused) as never, 'error'))).toMatch(/Unauthorized/);
    await until(() => bridge.openSubscriptions() === 0);
  });
});

describe('pub/sub on the wire, as the REST API documentation shows it', () => {
  it('POST /subscribe/chat streams "data: subscribe,chat,1" then "data: message,chat,hello"', async () => {
    const controller = new AbortController();
    const res = await fetch(`${bridge.url}/subscribe/${ch('docs')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('upstash-sync-token')).toMatch(/\S/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('\n\n');
    expect(text).toBe(`data: subscribe,${ch('docs')},1\n\n`);
    // The documentation publishes with a path command; the official client (and we) POST it.
    await direct.publish(ch('docs'), 'hello');
    await direct.publish(ch('docs'), 'how are you today?');
    await readUntil('today?\n\n');
    expect(text.split('\n\n').filter(Boolean)).toEqual([
      `data: subscribe,${ch('docs')},1`,
      `data: message,${ch('docs')},hello`,
      `data: message,${ch('docs')},how are you today?`,
    ]);
    controller.abort();
    await until(async () => (await subscribers(ch('docs'))) === 0);
  });

  it('a subscription without a channel, and a SUBSCRIBE in a command body, are refused with 400', async () => {
    const res = await fetch(`${bridge.url}/subscribe/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: expect.stringMatching(/^ERR subscribe needs a channel/),
    });
    const body = await fetch(bridge.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}` },
      body: JSON.stringify(['SUBSCRIBE', ch('x')]),
    });
    expect(body.status).toBe(400);
  });

  it('closing the bridge ends open streams', async () => {
    const own = await startUpstashBridge({ redisUrl: REDIS_URL, token: 't' });
    const res = await fetch(`${own.url}/subscribe/${ch('closing')}`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
    });
    const reader = res.body!.getReader();
    await reader.read();
    expect(own.openSubscriptions()).toBe(1);
    await own.close();
    await until(async () => (await subscribers(ch('closing'))) === 0);
    expect(own.openSubscriptions()).toBe(0);
  });
});
