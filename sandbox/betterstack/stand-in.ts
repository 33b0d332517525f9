/**
 * Better Stack Uptime stand-in: the subset of the Uptime API Vigie calls.
 *
 * Follows betterstack.com/docs/uptime/api (monitors, heartbeats, "Get a monitor's availability
 * summary"), the heartbeat docs (betterstack.com/docs/uptime/cron-and-heartbeat-monitor) and the
 * fields of BetterStackHQ/terraform-provider-better-uptime; see
 * docs/providers/monitoring.md:
 * - `Authorization: Bearer <token>` on `/api/v2` and `/api/v3`; 401 otherwise;
 * - `/api/v2/monitors` and `/api/v2/heartbeats`: list (with `pagination`), create, get, PATCH
 *   (changed fields only), delete; `/api/v3/policies`: list, create, get, delete;
 * - resources as `{data: {id, type, attributes}}`; 422 `{errors}` on invalid fields;
 * - `GET /api/v2/monitors/{id}/sla?from=YYYY-MM-DD&to=YYYY-MM-DD` (400 on a bad range);
 * - heartbeat pings `GET|POST /api/v1/heartbeat/{token}` and `/{token}/fail` (no auth).
 * Fault knobs apply to the API, not to heartbeat pings. The pinger (`pinger.ts`) runs checks.
 */
import { type Context, Hono } from 'hono';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';
import { BetterStackStore, type HeartbeatAttributes, type MonitorAttributes } from './store.ts';

export interface BetterStackStandInOptions {
  token: string;
  port?: number;
  /** The stand-in's clock (compressed in drills). */
  now?: () => Date;
}

export interface BetterStackStandIn {
  url: string;
  token: string;
  faults: HttpFaults;
  store: BetterStackStore;
  close(): Promise<void>;
}

const monitorFields = {
  url: 'string',
  pronounceable_name: 'string',
  monitor_type: 'string',
  check_frequency: 'number',
  confirmation_period: 'number',
  recovery_period: 'number',
  request_timeout: 'number',
  regions: 'array',
  policy_id: 'string',
  paused: 'boolean',
} as const;

const heartbeatFields = {
  name: 'string',
  period: 'number',
  grace: 'number',
  policy_id: 'string',
  paused: 'boolean',
} as const;

type FieldKinds = Record<string, 'string' | 'number' | 'boolean' | 'array'>;

function pick(
  body: unknown,
  fields: FieldKinds,
): { values: Record<string, unknown>; errors: Record<string, string[]> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string[]> = {};
  if (typeof body !== 'object' || body === null)
    return { values, errors: { base: ['body must be a JSON object'] } };
  for (const [key, value] of Object.entries(body)) {
    const kind = fields[key];
    if (kind === undefined) continue;
    const ok =
      kind === 'array'
        ? Array.isArray(value)
        : value === null
          ? key === 'policy_id'
          : typeof value === kind;
    if (ok) values[key] = value;
    else errors[key] = [`must be a ${kind}`];
  }
  return { values, errors };
}

function monitorProblems(m: Partial<MonitorAttributes>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (!m.url || !/^https?:\/\//.test(m.url)) errors.url = ['is not a valid URL'];
  if (m.check_frequency !== undefined && m.check_frequency < 30)
    errors.check_frequency = ['must be ≥ 30'];
  if (m.request_timeout !== undefined && (m.request_timeout < 2 || m.request_timeout > 60))
    errors.request_timeout = ['must be 2–60 seconds for HTTP monitors'];
  return errors;
}

export async function startBetterStackStandIn(
  options: BetterStackStandInOptions,
): Promise<BetterStackStandIn> {
  const now = options.now ?? (() => new Date());
  const store = new BetterStackStore();
  const faults = defaultFaults();
  const closing = new AbortController();
  const app = new Hono();
  let baseUrl = '';

  const api = new Hono();
  // Mounted under /api, so this middleware would also see /api/v1/heartbeat pings: those are
  // unauthenticated (the token is in the URL) and exempt from the API fault knobs.
  const faulty = faultMiddleware(faults, closing.signal);
  api.use('*', (c, next) => (c.req.path.startsWith('/api/v1/') ? next() : faulty(c, next)));
  api.use('*', async (c, next) => {
    if (c.req.path.startsWith('/api/v1/')) return next();
    if (c.req.header('authorization') !== `Bearer ${options.token}`) {
      return c.json({ errors: 'Invalid Team API Token' }, 401);
    }
    return next();
  });

  const resource = (type: string, id: string, attributes: object) => ({ id, type, attributes });
  const list = (c: Context, type: string, entries: Array<[string, object]>) =>
    c.json({
      data: entries.map(([id, a]) => resource(type, id, a)),
      pagination: { first: c.req.url, last: c.req.url, prev: null, next: null },
    });
  const body = async (c: Context): Promise<unknown> => c.req.json().catch(() => undefined);

  // Monitors.
  api.get('/v2/monitors', (c) => list(c, 'monitor', [...store.monitors.entries()]));
  api.post('/v2/monitors', async (c) => {
    const { values, errors } = pick(await body(c), monitorFields);
    const monitor: MonitorAttributes = {
      pronounceable_name: String(values.url ?? ''),
      monitor_type: 'status',
      check_frequency: 180,
      confirmation_period: 0,
      recovery_period: 180,
      request_timeout: 30,
      regions: ['us', 'eu', 'as', 'au'],
      policy_id: null,
      paused: false,
      ...(values as Partial<MonitorAttributes>),
      url: String(values.url ?? ''),
      status: values.paused ? 'paused' : 'pending',
      created_at: now().toISOString(),
    };
    const problems = { ...errors, ...monitorProblems(monitor) };
    if (Object.keys(problems).length > 0) return c.json({ errors: problems }, 422);
    const id = store.nextId();
    store.monitors.set(id, monitor);
    return c.json({ data: resource('monitor', id, monitor) }, 201);
  });
  api.get('/v2/monitors/:id', (c) => {
    const m = store.monitors.get(c.req.param('id'));
    return m
      ? c.json({ data: resource('monitor', c.req.param('id'), m) })
      : c.json({ errors: 'Resource not found' }, 404);
  });
  api.patch('/v2/monitors/:id', async (c) => {
    const id = c.req.param('id');
    const m = store.monitors.get(id);
    if (!m) return c.json({ errors: 'Resource not found' }, 404);
    const { values, errors } = pick(await body(c), monitorFields);
    const next = { ...m, ...(values as Partial<MonitorAttributes>) };
    const problems = { ...errors, ...monitorProblems(next) };
    if (Object.keys(problems).length > 0) return c.json({ errors: problems }, 422);
    if (values.paused !== undefined) next.status = values.paused ? 'paused' : 'pending';
    store.monitors.set(id, next);
    return c.json({ data: resource('monitor', id, next) });
  });
  api.delete('/v2/monitors/:id', (c) =>
    store.monitors.delete(c.req.param('id'))
      ? c.body(null, 204)
      : c.json({ errors: 'Resource not found' }, 404),
  );
  api.get('/v2/monitors/:id/sla', (c) => {
    const id = c.req.param('id');
    if (!store.monitors.has(id)) return c.json({ errors: 'Resource not found' }, 404);
    const day = /^\d{4}-\d{2}-\d{2}$/;
    const from = c.req.query('from');
    const to = c.req.query('to');
    if (!from || !to || !day.test(from) || !day.test(to) || from > to) {
      return c.json({ errors: 'Invalid date range: from and to are YYYY-MM-DD, from ≤ to' }, 400);
    }
    const start = new Date(`${from}T00:00:00Z`);
    const end = new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000);
    return c.json({ data: resource('monitor_sla', id, store.sla(id, start, end, now())) });
  });

  // Heartbeats.
  const publicHeartbeat = (h: HeartbeatAttributes & { token: string; lastPingAt: Date | null }) => {
    const { token: _t, lastPingAt: _l, ...attributes } = h;
    return attributes;
  };
  api.get('/v2/heartbeats', (c) =>
    list(
      c,
      'heartbeat',
      [...store.heartbeats.entries()].map(([id, h]) => [id, publicHeartbeat(h)]),
    ),
  );
  api.post('/v2/heartbeats', async (c) => {
    const { values, errors } = pick(await body(c), heartbeatFields);
    if (typeof values.name !== 'string' || values.name === '') errors.name = ['is required'];
    if (typeof values.period !== 'number' || values.period < 30) errors.period = ['must be ≥ 30'];
    if (Object.keys(errors).length > 0) return c.json({ errors }, 422);
    const id = store.nextId();
    const token = `hb${id}${Math.random().toString(36).slice(2, 10)}`;
    const heartbeat = {
      grace: 0,
      policy_id: null,
      paused: false,
      ...(values as Partial<HeartbeatAttributes>),
      name: String(values.name),
      period: Number(values.period),
      url: `${baseUrl}/api/v1/heartbeat/${token}`,
      status: 'pending' as const,
      created_at: now().toISOString(),
      token,
      lastPingAt: null,
    };
    store.heartbeats.set(id, heartbeat);
    return c.json({ data: resource('heartbeat', id, publicHeartbeat(heartbeat)) }, 201);
  });
  api.get('/v2/heartbeats/:id', (c) => {
    const h = store.heartbeats.get(c.req.param('id'));
    return h
      ? c.json({ data: resource('heartbeat', c.req.param('id'), publicHeartbeat(h)) })
      : c.json({ errors: 'Resource not found' }, 404);
  });
  api.patch('/v2/heartbeats/:id', async (c) => {
    const id = c.req.param('id');
    const h = store.heartbeats.get(id);
    if (!h) return c.json({ errors: 'Resource not found' }, 404);
    const { values, errors } = pick(await body(c), heartbeatFields);
    if (Object.keys(errors).length > 0) return c.json({ errors }, 422);
    Object.assign(h, values);
    return c.json({ data: resource('heartbeat', id, publicHeartbeat(h)) });
  });
  api.delete('/v2/heartbeats/:id', (c) =>
    store.heartbeats.delete(c.req.param('id'))
      ? c.body(null, 204)
      : c.json({ errors: 'Resource not found' }, 404),
  );

  // Escalation policies (v3).
  api.get('/v3/policies', (c) => list(c, 'policy', [...store.policies.entries()]));
  api.post('/v3/policies', async (c) => {
    const b = (await body(c)) as Partial<PolicyInput> | undefined;
    if (!b || typeof b.name !== 'string' || !Array.isArray(b.steps)) {
      return c.json({ errors: { name: ['is required'], steps: ['must be an array'] } }, 422);
    }
    const id = store.nextId();
    const policy = {
      name: b.name,
      repeat_count: b.repeat_count ?? 0,
      repeat_delay: b.repeat_delay ?? 0,
      steps: b.steps,
    };
    store.policies.set(id, policy);
    return c.json({ data: resource('policy', id, policy) }, 201);
  });
  api.get('/v3/policies/:id', (c) => {
    const p = store.policies.get(c.req.param('id'));
    return p
      ? c.json({ data: resource('policy', c.req.param('id'), p) })
      : c.json({ errors: 'Resource not found' }, 404);
  });
  api.delete('/v3/policies/:id', (c) =>
    store.policies.delete(c.req.param('id'))
      ? c.body(null, 204)
      : c.json({ errors: 'Resource not found' }, 404),
  );

  app.route('/api', api);

  // Heartbeat pings: no auth (the token is in the URL), GET or POST.
  const ping = (failed: boolean) => async (c: Context) => {
    const entry = [...store.heartbeats.entries()].find(([, h]) => h.token === c.req.param('token'));
    if (!entry) return c.text('Not found', 404);
    const [id, h] = entry;
    const at = now();
    h.lastPingAt = at;
    if (failed) {
      h.status = 'down';
      await store.open('heartbeat', id, at, 'failure reported');
    } else {
      h.status = 'up';
      await store.resolve(id, at);
    }
    return c.text('OK');
  };
  for (const method of ['get', 'post'] as const) {
    app[method]('/api/v1/heartbeat/:token', ping(false));
    app[method]('/api/v1/heartbeat/:token/fail', ping(true));
  }

  const server = await listen(app, options.port, () => closing.abort());
  baseUrl = server.url;
  return { url: server.url, token: options.token, faults, store, close: server.close };
}

interface PolicyInput {
  name: string;
  repeat_count: number;
  repeat_delay: number;
  steps: unknown[];
}
