/**
 * `POST /subscribe/<channel>` and `POST /psubscribe/<pattern>` as server-sent events, as
 * upstash/docs redis/features/restapi.mdx ("Subscribe & Publish Commands") shows and
 * `@upstash/redis` (`redis.subscribe`, `redis.psubscribe`) reads them: first
 * `data: subscribe,<channel>,<count>`, then `data: message,<channel>,<message>` per PUBLISH
 * (`psubscribe,<pattern>,<count>` and `pmessage,<pattern>,<channel>,<message>` for patterns).
 * Messages are sent as published, never base64-encoded: the client JSON-parses them as they
 * come. Each stream holds its own Redis connection in subscriber mode, released when the
 * client goes away or the bridge closes.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Redis } from 'ioredis';

export type SubscriptionKind = 'subscribe' | 'psubscribe';

export interface Subscriptions {
  /** Answers the request with the event stream (or throws before streaming when Redis fails). */
  open(
    c: Context,
    kind: SubscriptionKind,
    name: string,
    sent: (bytes: number) => void,
  ): Promise<Response>;
  /** Ends every open stream (bridge shutdown). */
  closeAll(): void;
  /** Streams open now. */
  count(): number;
}

/** `data: <fields joined by commas>` lines; one event per Redis message. */
export function sseEvent(fields: readonly string[]): string {
  return fields.join(',');
}

export function createSubscriptions(redis: Redis): Subscriptions {
  const open = new Set<() => void>();
  return {
    async open(c, kind, name, sent) {
      const sub = redis.duplicate({ lazyConnect: true, enableOfflineQueue: false });
      sub.on('error', () => {});
      let count: number;
      try {
        await sub.connect();
        count = Number(
          kind === 'subscribe' ? await sub.subscribe(name) : await sub.psubscribe(name),
        );
      } catch (error) {
        sub.disconnect();
        throw error;
      }
      return streamSSE(c, async (stream) => {
        const write = async (data: string) => {
          sent(Buffer.byteLength(`data: ${data}\n\n`));
          await stream.writeSSE({ data });
        };
        let release!: () => void;
        const ended = new Promise<void>((resolve) => (release = resolve));
        open.add(release);
        stream.onAbort(release);
        c.req.raw.signal.addEventListener('abort', release);
        sub.on('close', release);
        // Written in the order Redis delivers them; a slow client only delays its own stream.
        let queue = write(sseEvent([kind, name, String(count)]));
        if (kind === 'subscribe') {
          sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
            queue = queue.then(() =>
              write(sseEvent(['message', channel.toString(), message.toString()])),
            );
          });
        } else {
          sub.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => {
            queue = queue.then(() =>
              write(
                sseEvent(['pmessage', pattern.toString(), channel.toString(), message.toString()]),
              ),
            );
          });
        }
        await ended;
        open.delete(release);
        sub.disconnect();
      });
    },
    closeAll() {
      for (const release of [...open]) release();
    },
    count: () => open.size,
  };
}
