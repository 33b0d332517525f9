import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../adapters/upstash/client.ts';
import { VigieError } from '../core/errors.ts';
import { findOnPath, startRedisServer } from './redis-server.ts';
import { startUpstashBridge } from './upstash/bridge.ts';
import { isAlive } from '../testkit/process.ts';

const root = mkdtempSync(join(tmpdir(), 'vigie-redis-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('startRedisServer', () => {
  it('starts a redis-server on 127.0.0.1 that answers, and stop() leaves no process', async () => {
    const server = await startRedisServer({ dataDir: join(root, 'a') });
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    const client = new IORedis(server.url);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.set('k', 'v')).toBe('OK');
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
    expect(isAlive(server.pid)).toBe(true);
    await server.stop();
    expect(isAlive(server.pid)).toBe(false);
    expect(await refuses(server.port)).toBe(true);
    await server.stop(); // idempotent
  });

  it('uses the port it is given and reports a busy port clearly', async () => {
    const first = await startRedisServer({ dataDir: join(root, 'b') });
    try {
      const second = await startRedisServer({ dataDir: join(root, 'c'), port: first.port }).catch(
        (e: unknown) => e,
      );
      expect(second).toBeInstanceOf(VigieError);
      expect((second as VigieError).code).toBe('UNAVAILABLE');
      expect((second as VigieError).message).toMatch(/did not start on 127\.0\.0\.1:\d+/);
    } finally {
      await first.stop();
    }
  });

  it('without redis-server and without permission to install, says how to get one', async () => {
    const env = { PATH: join(root, 'empty-bin'), VIGIE_AUTO_INSTALL: '0' };
    const error = await startRedisServer({ dataDir: join(root, 'd'), env }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VigieError);
    expect((error as VigieError).code).toBe('UNAVAILABLE');
    expect((error as VigieError).message).toContain('apt-get install -y redis-server');
    expect((error as VigieError).message).toContain('REDIS_URL');
  });

  it('installs through apt-get when permitted (a stand-in apt-get that records its calls)', async () => {
    // The real apt-get would change this machine: the stand-in logs its arguments and
    // "installs" by linking the real binary into its own PATH directory.
    const realRedis = findOnPath('redis-server', process.env);
    expect(realRedis).toBeDefined();
    const bin = join(root, 'fake-bin');
    const aptLog = join(root, 'apt.log');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'apt-get'),
      `#!/bin/sh\necho "$@" >> ${aptLog}\n[ "$1" = install ] && /bin/ln -sf ${realRedis} ${bin}/redis-server\nexit 0\n`,
    );
    chmodSync(join(bin, 'apt-get'), 0o755);
    const env = { PATH: bin };
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const result = await startRedisServer({ dataDir: join(root, 'e'), env, log }).catch(
      (e: unknown) => e,
    );
    if (process.getuid?.() === 0) {
      expect(readFileSync(aptLog, 'utf8')).toBe('update\ninstall -y redis-server\n');
      expect(lines[0]).toMatch(/installing Debian package redis-server/);
      const server = result as Awaited<ReturnType<typeof startRedisServer>>;
      await server.stop();
      expect(isAlive(server.pid)).toBe(false);
    } else {
      // Not root: installing is not attempted.
      expect(result).toBeInstanceOf(VigieError);
    }
  });

  it('the Upstash bridge answers 503 while its Redis is down', async () => {
    const server = await startRedisServer({ dataDir: join(root, 'f') });
    const bridge = await startUpstashBridge({ redisUrl: server.url, token: 'drill-token' });
    try {
      const redis = createRedis({ url: bridge.url, token: bridge.token, retries: 0 });
      expect(await redis.set('queue:probe', '1')).toBe('OK');
      await server.stop();
      const res = await fetch(bridge.url, {
        method: 'POST',
        headers: { authorization: 'Bearer drill-token' },
        body: '["GET","queue:probe"]',
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/^ERR Redis unavailable/) });
      await expect(redis.get('queue:probe')).rejects.toThrow(/Redis unavailable/);
    } finally {
      await bridge.close();
      await server.stop();
    }
  });
});
