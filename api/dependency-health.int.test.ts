import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../testkit/redis.ts';
import { probe } from './dependency-health.ts';

let socket: net.Socket;

beforeAll(async () => {
  const url = new URL(TEST_REDIS_URL);
  socket = net.connect(Number(url.port || 6379), url.hostname);
  await once(socket, 'connect');
});

afterAll(() => {
  socket.destroy();
});

/** One PING on the real Redis (a separate process, so it answers while we are busy). */
const ping = () =>
  new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.write('PING\r\n');
  });

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // The process serving a burst of requests: the loop turns only after this.
  }
}

describe('probe under a busy process', () => {
  it('counts an answer that arrived while the process was busy past the budget as up', async () => {
    const state = probe(ping, 50);
    busyFor(300);
    expect(await state).toMatchObject({ state: 'up', budgetMs: 50 });
  });

  it('still reads a dependency that did not answer within the budget as down', async () => {
    // A command Redis blocks on: BLPOP on a key nobody pushes to, for one second.
    const blocked = () =>
      new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write(`BLPOP vigie:test:never:${process.pid} 1\r\n`);
      });
    const state = await probe(blocked, 50);
    expect(state).toMatchObject({ state: 'down', error: 'BudgetExceeded' });
    // Let the blocked command end before the next test uses the socket.
    await once(socket, 'data');
  });

  it('does not charge a dependency in this process for the turns it waited behind other work', async () => {
    // An in-process echo server (as local staging's stand-ins are), a few round trips away,
    // while other work holds the event loop 15 ms per turn.
    const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    let noisy = true;
    const noise = () => {
      if (!noisy) return;
      busyFor(15);
      setImmediate(noise);
    };
    try {
      const roundTrips = async () => {
        for (let i = 0; i < 6; i += 1) {
          client.write('x');
          await once(client, 'data');
        }
      };
      setImmediate(noise);
      const state = await probe(roundTrips, 100);
      expect(state).toMatchObject({ state: 'up', budgetMs: 100 });
      expect(state.latencyMs).toBeGreaterThan(100);
      expect(state.busyMs).toBeGreaterThan(0);
    } finally {
      noisy = false;
      client.destroy();
      server.close();
    }
  });
});
