/**
 * The export benchmark's server process: the real app on 127.0.0.1, port 0, so its RSS is
 * measured apart from the benchmark's own (bench/privacy-export.ts). Prints `{"url": …}`.
 */
import { Redis } from '@upstash/redis';
import { createApp } from '../api/app.ts';
import { serveApp } from '../api/server.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { parseConfig, requireSettings } from '../core/config.ts';

const config = requireSettings(
  parseConfig(process.env),
  ['DATABASE_URL', 'SUPABASE_JWT_SECRET', 'SUPABASE_JWT_ISSUER'],
  'The export benchmark server',
);
const pool = createPool(config.DATABASE_URL, { max: 4 });
// The export route never touches Redis; nothing listens there.
const redis = new Redis({ url: 'http://127.0.0.1:1', token: 'unused' });
const server = await serveApp(createApp({ config, pool, redis }), { port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
