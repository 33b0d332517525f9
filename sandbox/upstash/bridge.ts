/**
 * Upstash Redis REST stand-in, bridged to a real Redis.
 *
 * Follows upstash/docs `redis/features/restapi.mdx`: `POST /` with a JSON array command →
 * `{"result": …}`; `POST /pipeline` (not atomic) and `POST /multi-exec` (atomic, MULTI/EXEC)
 * with a 2-D array → `[{"result": …} | {"error": …}, …]`, or a single `{"error"}` when the
 * transaction is discarded; `Authorization: Bearer <token>` or `?_token=`; `Upstash-Encoding:
 * base64`; 400 / 401 / 405. The 401 body is Upstash's `{"error":"Unauthorized"}` (what
 * `@upstash/redis` surfaces, upstash/redis-js issue 711). Path-style commands, the page's
 * first examples (`GET /set/foo/bar`, a POST body appended as the last argument, `?EX=100`
 * appended after it), are served too (`pathCommand` in wire.ts). Also, as the same page and
 * `redis/howto/readyourwrites.mdx` document: pub/sub as server-sent events (`pubsub.ts`), the
 * `upstash-sync-token` on every answer (`sync-token.ts`), and the commands and bytes Upstash
 * bills (`usage.ts`), which the Developer API stand-in serves as this database's usage.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { Redis, ReplyError } from 'ioredis';
import { VigieError } from '../../core/errors.ts';
import {
  WireError,
  encodeReply,
  isBlocking,
  parseCommand,
  parseCommands,
  parseJson,
  pathCommand,
  type RedisCommand,
} from './wire.ts';
import { createSubscriptions, type SubscriptionKind, type Subscriptions } from './pubsub.ts';
import { createSyncClock, type SyncClock } from './sync-token.ts';
import { createUsageCounter, type UsageCounter } from './usage.ts';

/** Mutable fault knobs for drills: read on every request. */
export interface UpstashBridgeFaults {
  /** Added before every request is handled. */
  latencyMs: number;
  /** Every request gets 503, as when Upstash (or the network to it) is down. */
  outage: boolean;
}

export interface UpstashBridgeOptions {
  redisUrl: string;
  token: string;
  port?: number;
  host?: string;
  /** Clock stamping the usage counts (the staging clock); default: the system's. */
  now?: () => Date;
}

export interface UpstashBridge {
  /** Give this to `createRedis({ url, token })`. */
  url: string;
  token: string;
  faults: UpstashBridgeFaults;
  /** Commands and bytes as Upstash bills them, per UTC day. */
  usage: UsageCounter;
  /** Bytes held by the keys (Redis's `used_memory_dataset`), for the stats' storage figure. */
  storageBytes(): Promise<number>;
  /** The last non-empty `upstash-sync-token` a request carried (what the client sent back). */
  lastSyncTokenReceived(): string | undefined;
  /** Subscription streams open now. */
  openSubscriptions(): number;
  close(): Promise<void>;
}

const ALLOWED_METHODS = new Set(['HEAD', 'GET', 'POST', 'PUT']);

type Entry = { result: unknown } | { error: string };
type Env = { Variables: { commands: readonly RedisCommand[] } };

interface BridgeState {
  redis: Redis;
  token: string;
  faults: UpstashBridgeFaults;
  usage: UsageCounter;
  sync: SyncClock;
  subscriptions: Subscriptions;
  now: () => Date;
  received: { token?: string };
}
type Settled = [Error | null, unknown][];

export async function startUpstashBridge(options: UpstashBridgeOptions): Promise<UpstashBridge> {
  if (options.token.trim() === '') {
    throw new VigieError('BAD_REQUEST', 'The Upstash bridge needs a non-empty token.');
  }
  const redis = await connect(options.redisUrl);
  const state: BridgeState = {
    redis,
    token: options.token,
    faults: { latencyMs: 0, outage: false },
    usage: createUsageCounter(),
    sync: createSyncClock(),
    subscriptions: createSubscriptions(redis),
    now: options.now ?? (() => new Date()),
    received: {},
  };
  const app = createBridgeApp(state);

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve(
        { fetch: app.fetch, port: options.port ?? 0, hostname: options.host ?? '127.0.0.1' },
        () => resolve(s),
      );
      s.once('error', reject);
    });
  } catch (error) {
    redis.disconnect();
    throw new VigieError('UNAVAILABLE', `The Upstash bridge could not listen: ${String(error)}`, {
      cause: error,
    });
  }
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    token: options.token,
    faults: state.faults,
    usage: state.usage,
    storageBytes: async () => {
      const info = String(await redis.info('memory'));
      return Number(/^used_memory_dataset:(\d+)/m.exec(info)?.[1] ?? 0);
    },
    lastSyncTokenReceived: () => state.received.token,
    openSubscriptions: () => state.subscriptions.count(),
    async close() {
      state.subscriptions.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from clients would otherwise hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

async function connect(redisUrl: string): Promise<Redis> {
  const redis = new Redis(redisUrl, {
    // Upstash answers in RESP2 shapes (flat HGETALL, scores as strings).
    protocol: 2,
    // Integers arrive as text so ones beyond 2^53 stay exact; bulk strings stay Buffers.
    stringNumbers: true,
    lazyConnect: true,
    // While Redis is down, fail requests at once (503) instead of queueing them.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => {
    // Reconnection is automatic; requests meanwhile get a 503.
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new VigieError(
      'UNAVAILABLE',
      `The Upstash bridge could not reach Redis at the given REDIS_URL: ${(error as Error).message}. Start redis-server or fix REDIS_URL.`,
      { cause: error },
    );
  }
  return redis;
}

function createBridgeApp(state: BridgeState): Hono<Env> {
  const { redis, faults } = state;
  const app = new Hono<Env>();
  const expected = digest(state.token);

  app.use('*', async (c, next) => {
    if (!ALLOWED_METHODS.has(c.req.method)) {
      return c.json({ error: 'ERR method not allowed: use POST' }, 405);
    }
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.outage) return c.json({ error: 'Service Unavailable' }, 503);
    if (!authorized(c, expected)) return c.json({ error: 'Unauthorized' }, 401);
    const given = c.req.header('upstash-sync-token');
    const check = state.sync.check(given);
    if (check.kind === 'invalid') return c.json({ error: check.message }, 400);
    if (check.kind !== 'none') state.received.token = given;
    await next();
    const commands = c.get('commands') ?? [];
    if (commands.length > 0) state.sync.advance();
    c.header('upstash-sync-token', state.sync.current());
    state.usage.record({ commands, bytes: await bytesMoved(c), at: state.now() });
    return undefined;
  });

  /** One command's answer: `{result}`, or `{error}` with 400 for a Redis error reply. */
  async function single(c: Context<Env>, command: RedisCommand): Promise<Response> {
    c.set('commands', [command]);
    try {
      const reply = await run(redis, command);
      return c.json({ result: encodeReply(reply, wantsBase64(c)) });
    } catch (error) {
      if (error instanceof ReplyError) return c.json({ error: (error as Error).message }, 400);
      throw error;
    }
  }

  app.on(['POST', 'PUT'], '/', async (c) => single(c, parseCommand(parseJson(await c.req.text()))));

  app.on(['POST', 'PUT'], '/pipeline', async (c) => {
    const commands = parseCommands(parseJson(await c.req.text()));
    c.set('commands', commands);
    return c.json(entries(await runPipeline(redis, commands), wantsBase64(c)));
  });

  app.on(['POST', 'PUT'], '/multi-exec', async (c) => {
    const commands = parseCommands(parseJson(await c.req.text()));
    const tx = redis.multi();
    for (const [name, ...args] of commands) tx.callBuffer(name, ...args);
    try {
      const settled = (await tx.exec()) as Settled;
      c.set('commands', commands);
      return c.json(entries(settled, wantsBase64(c)));
    } catch (error) {
      // EXECABORT: a command was refused while queueing, so none ran (and none is billed).
      const first = (error as { previousErrors?: Error[] }).previousErrors?.[0];
      if (error instanceof ReplyError) {
        return c.json({ error: first?.message ?? (error as Error).message }, 400);
      }
      throw error;
    }
  });

  for (const kind of ['subscribe', 'psubscribe'] as const satisfies SubscriptionKind[]) {
    app.post(`/${kind}/*`, async (c) => {
      const name = decodeURIComponent(c.req.path.slice(kind.length + 2));
      if (name === '') throw new WireError(`ERR ${kind} needs a channel: POST /${kind}/<name>`);
      c.set('commands', [[kind.toUpperCase(), name]]);
      return state.subscriptions.open(c, kind, name, (bytes) =>
        state.usage.addBytes(bytes, state.now()),
      );
    });
  }

  // Path-style commands ("API Semantics"): anything not matched above, `/publish/chat/hello`
  // included. Registered last so `/`, `/pipeline`, `/multi-exec` and subscriptions win.
  app.on(['HEAD', 'GET', 'POST', 'PUT'], '/*', async (c) => {
    const body = c.req.method === 'POST' || c.req.method === 'PUT' ? await c.req.text() : '';
    return single(c, pathCommand(new URL(c.req.url), body));
  });

  app.onError((error, c) => {
    if (error instanceof WireError) return c.json({ error: error.message }, 400);
    // Anything else is the Redis connection failing: callers see Upstash as unavailable.
    return c.json({ error: `ERR Redis unavailable: ${error.message}` }, 503);
  });

  return app;
}

/** Request body plus answer body; a stream's events are counted as they are written. */
async function bytesMoved(c: Context<Env>): Promise<number> {
  const sent = Buffer.byteLength(await c.req.text());
  if (c.res.headers.get('content-type')?.startsWith('text/event-stream')) return sent;
  return sent + (await c.res.clone().arrayBuffer()).byteLength;
}

async function run(redis: Redis, [name, ...args]: RedisCommand): Promise<unknown> {
  if (!isBlocking([name, ...args])) return redis.callBuffer(name, ...args);
  // A blocking command would stall every other request on the shared connection.
  return withOwnConnection(redis, (own) => own.callBuffer(name, ...args));
}

async function runPipeline(redis: Redis, commands: RedisCommand[]): Promise<Settled> {
  const send = async (conn: Redis) => {
    const pipeline = conn.pipeline();
    for (const [name, ...args] of commands) pipeline.callBuffer(name, ...args);
    return (await pipeline.exec()) as Settled;
  };
  return commands.some(isBlocking) ? withOwnConnection(redis, send) : send(redis);
}

async function withOwnConnection<T>(redis: Redis, use: (conn: Redis) => Promise<T>): Promise<T> {
  const own = redis.duplicate({ lazyConnect: true });
  own.on('error', () => {});
  await own.connect();
  try {
    return await use(own);
  } finally {
    own.disconnect();
  }
}

function entries(settled: Settled, base64: boolean): Entry[] {
  return settled.map(([error, reply]) => {
    if (error === null) return { result: encodeReply(reply, base64) };
    if (error instanceof ReplyError) return { error: error.message };
    throw error;
  });
}

function wantsBase64(c: Context<Env>): boolean {
  return c.req.header('upstash-encoding')?.toLowerCase() === 'base64';
}

function authorized(c: Context<Env>, expected: Buffer): boolean {
  const header = c.req.header('authorization');
  const bearer = header === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(header)?.[1];
  const given = bearer ?? c.req.query('_token');
  return given !== undefined && timingSafeEqual(digest(given), expected);
}

/** Equal-length digests so the comparison is constant-time whatever the token lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
