/**
 * `GET /users/me/data` for one user with 100,000 prospects (plus 100,000 campaign
 * memberships and 100,000 email events): wall time and the serving process's peak RSS
 * (VmHWM of a fresh child process, so the benchmark's own memory does not count), beside a
 * raw `COPY … TO STDOUT` of the same rows through psql as the baseline.
 * Targets: export ≤ 3 s and ≤ 150 MB RSS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { exportSections } from '../adapters/privacy/export.ts';
import { createTestDatabase } from '../testkit/pg.ts';

const PROSPECTS = Number(process.env.BENCH_EXPORT_PROSPECTS ?? 100_000);
const SECRET = 'bench-only-hs256-secret-0123456789abcdef';
const ISSUER = 'http://127.0.0.1:1/auth/v1';

export async function benchExport(): Promise<Record<string, number | string>> {
  const db = await createTestDatabase('vigie_bench_export');
  const pool = createPool(db.url, { max: 2 });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await migrate(pool);
    const userId = randomUUID();
    const seeded = performance.now();
    await seedBigUser(pool, userId);
    const seedMs = performance.now() - seeded;

    child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./privacy-export-server.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          VIGIE_STAGE: 'local',
          DATABASE_URL: db.url,
          SUPABASE_JWT_SECRET: SECRET,
          SUPABASE_JWT_ISSUER: ISSUER,
          NODE_ENV: 'production',
          NODE_OPTIONS: process.env.BENCH_EXPORT_NODE_OPTIONS ?? '',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const url = await firstLine(child);
    const pid = child.pid as number;
    const idleRss = await memory(pid, 'VmRSS');
    const idlePeak = await memory(pid, 'VmHWM');
    const token = await new SignJWT({ role: 'authenticated', aud: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));

    const run = async () => {
      const started = performance.now();
      const res = await fetch(`${url}/users/me/data`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (res.status !== 200 || res.body === null) throw new Error(`export answered ${res.status}`);
      let bytes = 0;
      let firstByteMs = 0;
      let tail = '';
      for await (const chunk of res.body) {
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += chunk.byteLength;
        tail = (tail + Buffer.from(chunk).toString('utf8')).slice(-200);
      }
      if (!tail.includes('"complete":true')) throw new Error('export ended without its trailer');
      return { ms: performance.now() - started, firstByteMs, bytes };
    };
    await run(); // warm-up: JIT, connections
    const afterWarmup = await memory(pid, 'VmHWM');
    const measured = await run();
    const peakRss = await memory(pid, 'VmHWM');

    const copyMs = copyBaseline(db.url, userId);
    return {
      prospects: PROSPECTS,
      'seed (ms)': Math.round(seedMs),
      'export wall time (ms)': Math.round(measured.ms),
      'export time to first byte (ms)': Math.round(measured.firstByteMs),
      'export size (MB)': measured.bytes / 1e6,
      'export throughput (MB/s)': measured.bytes / 1e6 / (measured.ms / 1000),
      'server RSS idle (MB)': idleRss,
      'server peak RSS before the export (MB)': idlePeak,
      'server peak RSS after warm-up export (MB)': afterWarmup,
      'server peak RSS (MB)': peakRss,
      'baseline COPY TO STDOUT, same rows (ms)': copyMs,
      target: 'export ≤ 3000 ms, peak RSS ≤ 150 MB',
    };
  } finally {
    child?.kill('SIGTERM');
    await pool.end();
    await db.drop();
  }
}

export async function seedBigUser(
  pool: ReturnType<typeof createPool>,
  userId: string,
): Promise<void> {
  await pool.query('insert into auth.users (id) values ($1)', [userId]);
  await pool.query(`insert into public.profiles (id, company) values ($1, 'Bench Co')`, [userId]);
  const campaign = await pool.query<{ id: string }>(
    `insert into public.campaigns (user_id, name, status) values ($1, 'Bench', 'active') returning id`,
    [userId],
  );
  await pool.query(
    `insert into public.prospects (user_id, full_name, email, company, title, linkedin_url,
                                   location, headline, enrichment, enriched_at, status)
     select $1, 'Prospect ' || i, 'p' || i || '@example.test', 'Company ' || (i % 5000),
            'Head of Sales', 'https://www.linkedin.com/in/prospect-' || i, 'Paris, France',
            'Helping B2B teams grow since ' || (1990 + i % 30),
            jsonb_build_object('summary', repeat('Enriched profile text. ', 8), 'score', i % 100),
            now(), 'enriched'
       from generate_series(1, $2::int) as i`,
    [userId, PROSPECTS],
  );
  await pool.query(
    `insert into public.campaign_prospects (campaign_id, prospect_id, user_id, step, status)
     select $2, id, $1, 1, 'active' from public.prospects where user_id = $1`,
    [userId, campaign.rows[0]!.id],
  );
  await pool.query(
    `insert into public.email_events (user_id, prospect_id, campaign_id, type, step, occurred_at, message_id)
     select $1, id, $2, 'sent', 1, now(), '<' || id || '@mail.example.test>'
       from public.prospects where user_id = $1`,
    [userId, campaign.rows[0]!.id],
  );
  await pool.query('analyze');
}

/** The same rows through psql's `\copy … to stdout` (the fastest way Postgres hands them out). */
function copyBaseline(url: string, userId: string): number | string {
  const script = exportSections
    .map((s) => `\\copy (${s.sql.replaceAll('$1', `'${userId}'`).replace(/\s+/g, ' ')}) to stdout`)
    .join('\n');
  const started = performance.now();
  const result = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url], {
    input: script,
    stdio: ['pipe', 'ignore', 'pipe'],
    maxBuffer: 1 << 20,
  });
  if (result.error) return 'n/a (psql not installed)';
  if (result.status !== 0)
    throw new Error(`psql failed: ${result.stderr.toString().slice(0, 200)}`);
  return Math.round(performance.now() - started);
}

async function memory(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new Error('the export server did not start in 30 s')),
      30_000,
    );
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`the export server exited with ${code}`)));
  });
}

if (import.meta.main) {
  console.log(await benchExport());
}
