import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { freePort } from '../testkit/ports.ts';
import { processInfo, recoverPrometheus, recoverRedis } from './leftovers.ts';
import { findOnPath } from './debian-package.ts';

// Real processes: the embedded Postgres and a real redis-server (the full kill -9 of
// `npm start` is in cli/commands/start.int.test.ts).
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-leftovers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('embedded Postgres after an unclean stop', () => {
  it('removes a stale postmaster.pid naming a pid that is gone or is another program', async () => {
    const dataDir = path.join(dir, 'postgres');
    const first = await startEmbeddedPostgres({ dataDir });
    const lock = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    await first.stop();
    // The pid now names this test process (a live node, not Postgres): Postgres alone
    // refuses to start then ("Is another postmaster running?").
    for (const pid of [process.pid, 2 ** 22 + 1]) {
      writeFileSync(
        path.join(dataDir, 'postmaster.pid'),
        [String(pid), ...lock.slice(1)].join('\n'),
      );
      const lines: string[] = [];
      const again = await startEmbeddedPostgres({ dataDir, log: (l) => lines.push(l) });
      expect(lines.join('\n')).toMatch(
        new RegExp(
          `removed a stale postmaster.pid \\(pid ${pid} (is now \\S+, not our Postgres|is not running)\\)`,
        ),
      );
      await again.stop();
    }
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  }, 90_000);
});

describe('recoverRedis', () => {
  it('stops a redis-server running in our data directory and leaves others alone', async () => {
    const ours = path.join(dir, 'redis');
    const other = path.join(dir, 'other-redis');
    mkdirSync(ours, { recursive: true });
    mkdirSync(other, { recursive: true });
    const serve = (cwd: string, port: number) =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', cwd],
        { stdio: 'ignore' },
      );
    const a = serve(ours, await freePort());
    const b = serve(other, await freePort());
    try {
      // Wait until each has moved into its --dir (that is how it is recognised).
      for (let i = 0; i < 50 && processInfo(a.pid!)?.cwd !== ours; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const lines: string[] = [];
      await recoverRedis(ours, (l) => lines.push(l));
      expect(lines).toEqual([
        `found redis-server (pid ${a.pid}) left running by an earlier \`npm start\` in ${ours}: stopping it`,
        `stopped the leftover redis-server (pid ${a.pid})`,
      ]);
      expect(processInfo(a.pid!)).toBeUndefined();
      expect(processInfo(b.pid!)?.comm).toBe('redis-server');
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
  });
});

describe('recoverPrometheus', () => {
  it('stops a prometheus whose TSDB is in our data directory and leaves others alone', async () => {
    expect(
      findOnPath('prometheus', process.env),
      'prometheus is installed by .ci/run',
    ).toBeDefined();
    const ours = path.join(dir, 'prometheus');
    const other = path.join(dir, 'other-prometheus');
    const serve = (root: string, port: number) => {
      mkdirSync(path.join(root, 'data'), { recursive: true });
      writeFileSync(path.join(root, 'prometheus.yml'), '{}');
      return spawn(
        'prometheus',
        [
          `--config.file=${path.join(root, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(root, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=error',
        ],
        { stdio: 'ignore' },
      );
    };
    const a = serve(ours, await freePort());
    const b = serve(other, await freePort());
    try {
      // Wait until both have exec'd (until then /proc shows the forking node).
      for (
        let i = 0;
        i < 50 && [a, b].some((c) => processInfo(c.pid!)?.comm !== 'prometheus');
        i += 1
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const lines: string[] = [];
      await recoverPrometheus(ours, (l) => lines.push(l));
      expect(lines).toEqual([
        `found prometheus (pid ${a.pid}) left running by an earlier \`npm start\` in ${ours}: stopping it`,
        `stopped the leftover prometheus (pid ${a.pid})`,
      ]);
      expect(processInfo(a.pid!)).toBeUndefined();
      expect(processInfo(b.pid!)?.comm).toBe('prometheus');
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
  }, 30_000);
});
