/**
 * `DELETE /prospects/{id}` under an open model: 100 virtual users each sending one erasure a
 * second (100 requests/s, arrivals fixed in advance, so a slow answer never delays the next
 * send), over HTTP against the app served on loopback, on seeded data: Postgres (testkit),
 * Upstash through the bridge over the local Redis, the n8n stand-in holding executions.
 *
 * Phase 1 (audit on, as in production): p50 / p95 / p99. Target p95 ≤ 50 ms.
 * Phase 2: the same load alternating, request by request, between two apps on the same
 * database, one with the `erase` audit row and one without (a dependency flag, never an env
 * setting): the p95 of each and the overhead. Target ≤ 10 %.
 * `BENCH_ERASURE_SECONDS` shortens each phase (default 60); `BENCH_ERASURE_CPU_PROFILE_DIR`
 * writes a CPU profile of the app process there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Pool } from '../adapters/postgres/pool.ts';
import { startErasureStack } from '../testkit/erasure-stack.ts';

const USERS = 100;
const RATE_PER_USER = 1;

interface Sample {
  ms: number;
  status: number;
}

export async function benchErasure(): Promise<Record<string, number | string>> {
  const seconds = Number(process.env.BENCH_ERASURE_SECONDS ?? 60);
  const warmSeconds = Math.min(10, Math.max(3, Math.round(seconds / 6)));
  const perUser = Math.ceil((warmSeconds + seconds * 2) * RATE_PER_USER * 1.1) + 5;
  // Figures from a shared machine mean little without its load: printed beside them.
  const loadBefore = loadavg()[0] ?? 0;
  const seedStarted = performance.now();
  const stack = await startErasureStack({
    customers: USERS,
    prospectsPerCustomer: perUser,
    now: new Date(),
    poolMax: 20,
  });
  const seedMs = performance.now() - seedStarted;
  let child: ChildProcess | undefined;
  try {
    const queues = await prospectQueues(stack.pool);
    // n8n holds executions of a share of the prospects, as a working instance would.
    const sample = [...queues.entries()].slice(0, 20);
    for (const [userId, ids] of sample) {
      for (let i = 0; i < 10; i++) await stack.runWorkflow(userId, ids.slice(i * 2, i * 2 + 2));
    }
    const tokens = new Map<string, string>();
    for (const userId of queues.keys()) tokens.set(userId, await stack.token(userId));

    // The app runs in its own process, as it would in production (a Lambda apart from Upstash
    // and n8n): the stand-ins and the load generator stay here.
    const profile = process.env.BENCH_ERASURE_CPU_PROFILE_DIR;
    child = spawn(
      process.execPath,
      [
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        fileURLToPath(new URL('./privacy-erasure-server.ts', import.meta.url)),
      ],
      { env: { ...process.env, ...stack.env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const urls = JSON.parse(await firstLine(child)) as { on: string; off: string };
    const withAudit = urls.on;
    const withoutAudit = urls.off;

    const users = [...queues.keys()];
    const send = async (base: string, userId: string): Promise<Sample> => {
      const id = queues.get(userId)?.shift();
      if (id === undefined) throw new Error('bench ran out of seeded prospects');
      const started = performance.now();
      const res = await fetch(`${base}/prospects/${id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${tokens.get(userId)}` },
      });
      await res.arrayBuffer();
      return { ms: performance.now() - started, status: res.status };
    };

    // Warm-up at the full rate, not measured: JIT, pool connections, JWKS, the catalog cache.
    await openModel(warmSeconds, users, (u) => send(withAudit, u));

    const phase1 = await openModel(seconds, users, (u) => send(withAudit, u));
    let turn = 0;
    const phase2 = await openModel(seconds, users, (u) => {
      turn += 1;
      return turn % 2 === 0
        ? send(withAudit, u)
        : send(withoutAudit, u).then((s) => ({ ...s, off: true }));
    });
    const on = phase2.filter((s) => !(s as { off?: boolean }).off);
    const off = phase2.filter((s) => (s as { off?: boolean }).off);
    const p95on = percentile(on, 95);
    const p95off = percentile(off, 95);
    const statuses = count(phase1.map((s) => s.status));
    return {
      'setup: seed + stack (s)': seedMs / 1000,
      'warm-up at full rate, not measured (s)': warmSeconds,
      'load: virtual users × req/s × seconds': `${USERS} × ${RATE_PER_USER} × ${seconds} (open model, ${USERS * RATE_PER_USER} req/s)`,
      'phase 1 requests': phase1.length,
      'phase 1 statuses': Object.entries(statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
      'DELETE p50 (ms)': percentile(phase1, 50),
      'DELETE p95 (ms) [target ≤ 50]': percentile(phase1, 95),
      'DELETE p99 (ms)': percentile(phase1, 99),
      'DELETE max (ms)': percentile(phase1, 100),
      'requests with no answer (connection errors)': [...phase1, ...phase2].filter(
        (s) => s.status === 0,
      ).length,
      'machine: cores, load average (1 min) before → after': `${cpus().length}, ${loadBefore.toFixed(2)} → ${loadavg()[0]?.toFixed(2)}`,
      'phase 2 p95 audit on (ms)': p95on,
      'phase 2 p95 audit off (ms)': p95off,
      'audit overhead on p95 (%) [target ≤ 10]': ((p95on - p95off) / p95off) * 100,
      'phase 2 non-200 answers': phase2.filter((s) => s.status !== 200).length,
    };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await stack.close();
  }
}

/** Fires `fire(user)` for each user once a second, staggered, for `seconds`; waits for all. */
async function openModel(
  seconds: number,
  users: string[],
  fire: (user: string) => Promise<Sample>,
): Promise<Sample[]> {
  const interval = 1000 / (users.length * RATE_PER_USER);
  const total = Math.floor(seconds * users.length * RATE_PER_USER);
  const started = performance.now();
  const inFlight: Array<Promise<Sample>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const user = users[i % users.length] as string;
    inFlight.push(fire(user).catch(() => ({ ms: Number.NaN, status: 0 })));
  }
  return Promise.all(inFlight);
}

/** Each user's prospects with unique identifiers, in a fixed order. */
async function prospectQueues(pool: Pool) {
  const { rows } = await pool.query<{ id: string; user_id: string }>(
    `select p.id, p.user_id from public.prospects p
      where (select count(*) from public.prospects q where q.user_id = p.user_id
              and (q.email = p.email or q.linkedin_url = p.linkedin_url)) = 1
      order by p.user_id, p.id`,
  );
  const queues = new Map<string, string[]>();
  for (const r of rows) queues.set(r.user_id, [...(queues.get(r.user_id) ?? []), r.id]);
  return queues;
}

function percentile(samples: Sample[], p: number): number {
  const sorted = samples
    .map((s) => s.ms)
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) resolve(buffer.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`the erasure bench server exited (${code})`)));
  });
}

function count(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
