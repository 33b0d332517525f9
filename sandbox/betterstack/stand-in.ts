/**
 * Better Stack Uptime stand-in, held to the published API (docs/betterstack-uptime-api.md:
 * betterstack.com/docs/uptime/api pages and the official Terraform provider's schema):
 * - `Authorization: Bearer <token>` on `/api/v2` and `/api/v3`; 401 otherwise;
 * - resources as `{data: {id, type, attributes}}` with every documented attribute; 422
 *   `{errors: {field: [..]}}` naming every invalid field; 404 `{errors: "…not found"}`;
 * - lists paginated as documented: `per_page` (default 50, at most 250) and `page` (from 1),
 *   `pagination.{first,last,prev,next}` as absolute URLs; monitors filter by `url` and
 *   `pronounceable_name`;
 * - monitors (`/api/v2/monitors`): documented types, `request_timeout` allowed values per type
 *   (milliseconds for ping/tcp/udp/smtp/pop/imap/dns, seconds otherwise), integer `policy_id`,
 *   `paused` sets `paused_at` and the `paused` status; `GET /{id}/sla` with optional
 *   `from`/`to` (default: since creation, to today);
 * - heartbeats (`/api/v2/heartbeats`) the same way, and `GET /{id}/availability`;
 * - incidents (`/api/v3/incidents`, read only): newest first, 10 per page (50 at most), filters
 *   `from`/`to`, `monitor_id`, `heartbeat_id`, `resolved`, `acknowledged`, `relationships`
 *   naming the monitor or heartbeat;
 * - policies (`/api/v3/policies`), status pages (`/api/v2/status-pages`, unique `subdomain`)
 *   and their resources (`/api/v2/status-pages/{id}/resources`);
 * - heartbeat pings `GET|POST /api/v1/heartbeat/{token}` and `/{token}/fail` (no auth).
 * Fault knobs (`faults`, and `rateLimitNext(n, seconds)`) apply to the API, not to pings.
 */
import { type Context, Hono } from 'hono';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';
import {
  allowedRequestTimeouts,
  type Errors,
  HEARTBEAT_FIELDS,
  MONITOR_FIELDS,
  monitorProblems,
  OUTGOING_WEBHOOK_FIELDS,
  OUTGOING_WEBHOOK_TRIGGERS,
  pickFields,
  POLICY_FIELDS,
  STATUS_PAGE_FIELDS,
  STATUS_PAGE_RESOURCE_FIELDS,
} from './attributes.ts';
import {
  BetterStackStore,
  type HeartbeatAttributes,
  type Incident,
  type IncidentEvent,
  type MonitorAttributes,
  type OutgoingWebhookAttributes,
  type PolicyAttributes,
  type StatusPageAttributes,
  type StatusPageResourceAttributes,
} from './store.ts';

export interface BetterStackStandInOptions {
  token: string;
  port?: number;
  /** The stand-in's clock (compressed in drills). */
  now?: () => Date;
  /** The team the token belongs to (answered as `team_name`). */
  teamName?: string;
}

export interface BetterStackStandIn {
  url: string;
  token: string;
  faults: HttpFaults;
  store: BetterStackStore;
  /** The next `count` API requests answer 429 with `Retry-After: seconds`. */
  rateLimitNext(count: number, seconds: number): void;
  /** API requests received (method and path with query), for tests. */
  requests: string[];
  /** Incident webhooks sent to the outgoing webhooks: where (path only), what, the answer. */
  deliveries: WebhookDelivery[];
  close(): Promise<void>;
}

export interface WebhookDelivery {
  webhookId: string;
  incidentId: string;
  event: 'started' | 'resolved';
  /** The answer's status, or 0 when the receiver could not be reached. */
  status: number;
}

const NOT_FOUND = 'Resource with provided ID was not found';

/** A list entry: id, attributes, and (incidents) what it points at. */
type ListEntry = [string, object, object?];

export async function startBetterStackStandIn(
  options: BetterStackStandInOptions,
): Promise<BetterStackStandIn> {
  const now = options.now ?? (() => new Date());
  const teamName = options.teamName ?? 'Vigie';
  const store = new BetterStackStore();
  const faults = defaultFaults();
  const closing = new AbortController();
  const requests: string[] = [];
  const deliveries: WebhookDelivery[] = [];
  const limited = { count: 0, seconds: 1 };
  const app = new Hono();
  let baseUrl = '';

  const api = new Hono();
  // Mounted under /api, so these middlewares also see /api/v1/heartbeat pings: those are
  // unauthenticated (the token is in the URL) and exempt from the API fault knobs.
  const faulty = faultMiddleware(faults, closing.signal);
  api.use('*', async (c, next) => {
    if (c.req.path.startsWith('/api/v1/')) return next();
    requests.push(`${c.req.method} ${new URL(c.req.url).pathname}${new URL(c.req.url).search}`);
    if (limited.count > 0) {
      limited.count -= 1;
      c.header('retry-after', String(limited.seconds));
      return c.json({ errors: 'Too Many Requests' }, 429);
    }
    return faulty(c, next);
  });
  api.use('*', async (c, next) => {
    if (c.req.path.startsWith('/api/v1/')) return next();
    if (c.req.header('authorization') !== `Bearer ${options.token}`) {
      return c.json({ errors: 'Invalid Team API Token' }, 401);
    }
    return next();
  });

  const resource = (type: string, id: string, attributes: object) => ({ id, type, attributes });
  const body = async (c: Context): Promise<unknown> => c.req.json().catch(() => undefined);
  const notFound = (c: Context) => c.json({ errors: NOT_FOUND }, 404);
  const invalid = (c: Context, errors: Errors) => c.json({ errors }, 422);
  const stamp = () => now().toISOString();

  /**
   * A documented paginated list: `per_page` ≤ 250 (default 50), `page` from 1; incidents page
   * 10 by default and 50 at most. An entry may carry its `relationships`.
   */
  const list = (
    c: Context,
    type: string,
    entries: ListEntry[],
    paging: { perPage: number; maxPerPage: number } = { perPage: 50, maxPerPage: 250 },
  ) => {
    const asked = Number(c.req.query('per_page') ?? paging.perPage) || paging.perPage;
    const perPage = Math.min(paging.maxPerPage, Math.max(1, asked));
    const lastPage = Math.max(1, Math.ceil(entries.length / perPage));
    const page = Math.min(Math.max(1, Number(c.req.query('page') ?? 1) || 1), lastPage);
    const link = (p: number) => {
      const url = new URL(c.req.url);
      url.searchParams.set('page', String(p));
      url.searchParams.set('per_page', String(perPage));
      return url.toString();
    };
    return c.json({
      data: entries.slice((page - 1) * perPage, page * perPage).map(([id, a, relationships]) => ({
        ...resource(type, id, a),
        ...(relationships ? { relationships } : {}),
      })),
      pagination: {
        first: link(1),
        last: link(lastPage),
        prev: page > 1 ? link(page - 1) : null,
        next: page < lastPage ? link(page + 1) : null,
      },
    });
  };

  /** `GET` and `DELETE /{path}/{id}` of one collection: the resource, or Better Stack's 404. */
  const readAndDelete = <T extends object>(
    path: string,
    type: string,
    items: Map<string, T>,
    options: { view?: (item: T) => object; onDelete?: (id: string) => void } = {},
  ) => {
    const view = options.view ?? ((item: T) => item);
    api.get(`${path}/:id`, (c) => {
      const item = items.get(c.req.param('id'));
      return item ? c.json({ data: resource(type, c.req.param('id'), view(item)) }) : notFound(c);
    });
    api.delete(`${path}/:id`, (c) => {
      const id = c.req.param('id');
      if (!items.delete(id)) return notFound(c);
      options.onDelete?.(id);
      return c.body(null, 204);
    });
  };

  /** `from`/`to` (YYYY-MM-DD, both optional): the whole days asked for, or since creation. */
  const dateRange = (c: Context, createdAt: string): { start: Date; end: Date } | undefined => {
    const day = /^\d{4}-\d{2}-\d{2}$/;
    const from = c.req.query('from');
    const to = c.req.query('to');
    if ((from !== undefined && !day.test(from)) || (to !== undefined && !day.test(to)))
      return undefined;
    const today = now().toISOString().slice(0, 10);
    const start = new Date(`${from ?? createdAt.slice(0, 10)}T00:00:00Z`);
    const last = new Date(`${to ?? today}T00:00:00Z`);
    if (Number.isNaN(start.getTime()) || Number.isNaN(last.getTime()) || start > last)
      return undefined;
    if (start.getTime() > now().getTime()) return undefined;
    return { start, end: new Date(last.getTime() + 86_400_000) };
  };
  const badRange = (c: Context) =>
    c.json(
      {
        errors:
          'The data range is invalid. The date format could not be parsed, the start time is in the future, or the end time is before the start time.',
      },
      400,
    );
  /** A monitor's SLA or a heartbeat's availability over `from`/`to`, from the same record. */
  const availability = (path: string, type: string, items: Map<string, { created_at: string }>) =>
    api.get(path, (c) => {
      const id = c.req.param('id') ?? '';
      const item = items.get(id);
      if (!item) return notFound(c);
      const range = dateRange(c, item.created_at);
      if (!range) return badRange(c);
      return c.json({ data: resource(type, id, store.sla(id, range.start, range.end, now())) });
    });

  // Monitors.
  const publicMonitor = (m: MonitorAttributes) => m;
  api.get('/v2/monitors', (c) => {
    const url = c.req.query('url');
    const name = c.req.query('pronounceable_name');
    const entries = [...store.monitors.entries()].filter(
      ([, m]) =>
        (url === undefined || m.url === url) &&
        (name === undefined || m.pronounceable_name === name),
    );
    return list(
      c,
      'monitor',
      entries.map(([id, m]) => [id, publicMonitor(m)]),
    );
  });
  api.post('/v2/monitors', async (c) => {
    const { values, errors } = pickFields(await body(c), MONITOR_FIELDS);
    const type = typeof values.monitor_type === 'string' ? values.monitor_type : 'status';
    const at = stamp();
    const { paused, ...rest } = values as Partial<MonitorAttributes> & { paused?: boolean };
    const monitor: MonitorAttributes = {
      url: '',
      pronounceable_name: String(values.url ?? ''),
      monitor_type: type,
      monitor_group_id: null,
      last_checked_at: null,
      status: paused ? 'paused' : 'pending',
      policy_id: null,
      expiration_policy_id: null,
      team_name: teamName,
      required_keyword: null,
      verify_ssl: true,
      follow_redirects: true,
      remember_cookies: true,
      check_frequency: 180,
      call: false,
      sms: false,
      email: true,
      push: true,
      critical_alert: false,
      team_wait: null,
      http_method: 'get',
      request_timeout: defaultRequestTimeout(type),
      recovery_period: 180,
      request_headers: [],
      request_body: '',
      paused_at: paused ? at : null,
      created_at: at,
      updated_at: at,
      ssl_expiration: null,
      domain_expiration: null,
      regions: ['us', 'eu', 'as', 'au'],
      maintenance_from: null,
      maintenance_to: null,
      maintenance_timezone: 'UTC',
      maintenance_days: [],
      port: null,
      confirmation_period: 0,
      expected_status_codes: [],
      ip_version: null,
      ...rest,
    };
    const problems = {
      ...errors,
      ...monitorProblems(monitor as unknown as Record<string, unknown>),
    };
    if (Object.keys(problems).length > 0) return invalid(c, problems);
    const id = store.nextId();
    store.monitors.set(id, monitor);
    return c.json({ data: resource('monitor', id, publicMonitor(monitor)) }, 201);
  });
  readAndDelete('/v2/monitors', 'monitor', store.monitors, { view: publicMonitor });
  api.patch('/v2/monitors/:id', async (c) => {
    const id = c.req.param('id');
    const m = store.monitors.get(id);
    if (!m) return notFound(c);
    const { values, errors } = pickFields(await body(c), MONITOR_FIELDS);
    const { paused, ...rest } = values as Partial<MonitorAttributes> & { paused?: boolean };
    const next: MonitorAttributes = { ...m, ...rest, updated_at: stamp() };
    // A type change with no timeout given: keep the old one only if the new type allows it.
    if (
      rest.monitor_type &&
      rest.request_timeout === undefined &&
      !allowedRequestTimeouts(next.monitor_type).includes(next.request_timeout)
    ) {
      next.request_timeout = defaultRequestTimeout(next.monitor_type);
    }
    const problems = { ...errors, ...monitorProblems(next as unknown as Record<string, unknown>) };
    if (Object.keys(problems).length > 0) return invalid(c, problems);
    if (paused !== undefined) Object.assign(next, pauseState(paused, m, stamp()));
    store.monitors.set(id, next);
    return c.json({ data: resource('monitor', id, publicMonitor(next)) });
  });
  availability('/v2/monitors/:id/sla', 'monitor_sla', store.monitors);

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
    const { values, errors } = pickFields(await body(c), HEARTBEAT_FIELDS);
    if (typeof values.name !== 'string' || values.name === '')
      (errors.name ??= []).push("can't be blank");
    if (typeof values.period !== 'number' || values.period < 30)
      (errors.period ??= []).push('must be greater than or equal to 30');
    if (values.grace !== undefined && (values.grace as number) < 0)
      (errors.grace ??= []).push('must be greater than or equal to 0');
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    const id = store.nextId();
    const token = `hb${id}${Math.random().toString(36).slice(2, 10)}`;
    const at = stamp();
    const { paused, ...rest } = values as Partial<HeartbeatAttributes> & { paused?: boolean };
    const heartbeat = {
      url: `${baseUrl}/api/v1/heartbeat/${token}`,
      name: '',
      period: 0,
      grace: 0,
      call: false,
      sms: false,
      email: true,
      push: true,
      critical_alert: false,
      team_wait: null,
      heartbeat_group_id: null,
      policy_id: null,
      team_name: teamName,
      sort_index: null,
      paused_at: paused ? at : null,
      maintenance_from: null,
      maintenance_to: null,
      maintenance_timezone: 'UTC',
      maintenance_days: [],
      created_at: at,
      updated_at: at,
      status: paused ? ('paused' as const) : ('pending' as const),
      ...rest,
      token,
      lastPingAt: null,
    };
    store.heartbeats.set(id, heartbeat);
    return c.json({ data: resource('heartbeat', id, publicHeartbeat(heartbeat)) }, 201);
  });
  readAndDelete('/v2/heartbeats', 'heartbeat', store.heartbeats, { view: publicHeartbeat });
  api.patch('/v2/heartbeats/:id', async (c) => {
    const id = c.req.param('id');
    const h = store.heartbeats.get(id);
    if (!h) return notFound(c);
    const { values, errors } = pickFields(await body(c), HEARTBEAT_FIELDS);
    if (values.period !== undefined && (values.period as number) < 30)
      (errors.period ??= []).push('must be greater than or equal to 30');
    if (values.name === '') (errors.name ??= []).push("can't be blank");
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    const { paused, ...rest } = values as Partial<HeartbeatAttributes> & { paused?: boolean };
    Object.assign(h, rest, { updated_at: stamp() });
    if (paused !== undefined) Object.assign(h, pauseState(paused, h, stamp()));
    return c.json({ data: resource('heartbeat', id, publicHeartbeat(h)) });
  });
  availability('/v2/heartbeats/:id/availability', 'heartbeat_availability', store.heartbeats);

  // Escalation policies (v3).
  api.get('/v3/policies', (c) => list(c, 'policy', [...store.policies.entries()]));
  api.post('/v3/policies', async (c) => {
    const { values, errors } = pickFields(await body(c), POLICY_FIELDS);
    if (typeof values.name !== 'string' || values.name === '')
      (errors.name ??= []).push("can't be blank");
    if (!Array.isArray(values.steps)) (errors.steps ??= []).push('must be an array');
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    const id = store.nextId();
    const policy: PolicyAttributes = {
      name: '',
      repeat_count: 0,
      repeat_delay: 0,
      incident_token: null,
      policy_group_id: null,
      team_name: teamName,
      steps: [],
      ...(values as Partial<PolicyAttributes>),
    };
    store.policies.set(id, policy);
    return c.json({ data: resource('policy', id, policy) }, 201);
  });
  readAndDelete('/v3/policies', 'policy', store.policies);
  api.patch('/v3/policies/:id', async (c) => {
    const id = c.req.param('id');
    const p = store.policies.get(id);
    if (!p) return notFound(c);
    const { values, errors } = pickFields(await body(c), POLICY_FIELDS);
    if (values.name === '') (errors.name ??= []).push("can't be blank");
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    Object.assign(p, values);
    return c.json({ data: resource('policy', id, p) });
  });

  // Status pages and their resources.
  const statusPageProblems = (p: Record<string, unknown>, id?: string): Errors => {
    const errors: Errors = {};
    for (const field of ['company_name', 'subdomain', 'timezone'] as const) {
      if (typeof p[field] !== 'string' || p[field] === '')
        (errors[field] ??= []).push("can't be blank");
    }
    if (typeof p.subdomain === 'string' && !/^[a-z0-9-]+$/.test(p.subdomain))
      (errors.subdomain ??= []).push('is invalid');
    const taken = [...store.statusPages.entries()].some(
      ([other, s]) => other !== id && s.subdomain === p.subdomain,
    );
    if (taken) (errors.subdomain ??= []).push('has already been taken');
    if (p.history !== undefined && ((p.history as number) < 7 || (p.history as number) > 365)) {
      (errors.history ??= []).push('must be between 7 and 365');
    }
    return errors;
  };
  api.get('/v2/status-pages', (c) => list(c, 'status_page', [...store.statusPages.entries()]));
  api.post('/v2/status-pages', async (c) => {
    const { values, errors } = pickFields(await body(c), STATUS_PAGE_FIELDS);
    const at = stamp();
    const page = {
      company_name: '',
      company_url: null,
      contact_url: null,
      logo_url: null,
      timezone: '',
      subdomain: '',
      custom_domain: null,
      min_incident_length: 0,
      subscribable: false,
      hide_from_search_engines: false,
      password_enabled: false,
      history: 90,
      aggregate_state: 'operational',
      created_at: at,
      updated_at: at,
      ...values,
    } as StatusPageAttributes;
    const problems = { ...errors, ...statusPageProblems(page) };
    if (Object.keys(problems).length > 0) return invalid(c, problems);
    const id = store.nextId();
    store.statusPages.set(id, page);
    return c.json({ data: resource('status_page', id, page) }, 201);
  });
  // Deleting a page deletes its resources.
  readAndDelete('/v2/status-pages', 'status_page', store.statusPages, {
    onDelete: (id) => {
      for (const [rid, r] of store.statusPageResources)
        if (String(r.status_page_id) === id) store.statusPageResources.delete(rid);
    },
  });
  api.patch('/v2/status-pages/:id', async (c) => {
    const id = c.req.param('id');
    const p = store.statusPages.get(id);
    if (!p) return notFound(c);
    const { values, errors } = pickFields(await body(c), STATUS_PAGE_FIELDS);
    const next = { ...p, ...values, updated_at: stamp() } as StatusPageAttributes;
    const problems = { ...errors, ...statusPageProblems(next, id) };
    if (Object.keys(problems).length > 0) return invalid(c, problems);
    store.statusPages.set(id, next);
    return c.json({ data: resource('status_page', id, next) });
  });
  const pageResources = (pageId: string) =>
    [...store.statusPageResources.entries()].filter(([, r]) => String(r.status_page_id) === pageId);
  const resourceExists = (type: string, id: number) =>
    type === 'Monitor'
      ? store.monitors.has(String(id))
      : type === 'Heartbeat'
        ? store.heartbeats.has(String(id))
        : true;
  api.get('/v2/status-pages/:page/resources', (c) =>
    store.statusPages.has(c.req.param('page'))
      ? list(c, 'status_page_resource', pageResources(c.req.param('page')))
      : notFound(c),
  );
  api.post('/v2/status-pages/:page/resources', async (c) => {
    const pageId = c.req.param('page');
    if (!store.statusPages.has(pageId)) return notFound(c);
    const { values, errors } = pickFields(await body(c), STATUS_PAGE_RESOURCE_FIELDS);
    if (typeof values.resource_id !== 'number') (errors.resource_id ??= []).push("can't be blank");
    if (typeof values.resource_type !== 'string')
      (errors.resource_type ??= []).push("can't be blank");
    else if (
      typeof values.resource_id === 'number' &&
      !resourceExists(values.resource_type, values.resource_id)
    ) {
      (errors.resource_id ??= []).push('does not exist');
    }
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    const id = store.nextId();
    const created = {
      public_name: null,
      explanation: '',
      widget_type: 'history',
      position: pageResources(pageId).length,
      status_page_section_id: null,
      ...values,
      status_page_id: Number(pageId),
    } as unknown as StatusPageResourceAttributes;
    store.statusPageResources.set(id, created);
    return c.json({ data: resource('status_page_resource', id, created) }, 201);
  });
  const pageResource = (c: Context) => {
    const r = store.statusPageResources.get(c.req.param('id') ?? '');
    return r && String(r.status_page_id) === c.req.param('page') ? r : undefined;
  };
  api.get('/v2/status-pages/:page/resources/:id', (c) => {
    const r = pageResource(c);
    return r
      ? c.json({ data: resource('status_page_resource', c.req.param('id'), r) })
      : notFound(c);
  });
  api.patch('/v2/status-pages/:page/resources/:id', async (c) => {
    const r = pageResource(c);
    if (!r) return notFound(c);
    const { values, errors } = pickFields(await body(c), STATUS_PAGE_RESOURCE_FIELDS);
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    Object.assign(r, values);
    return c.json({ data: resource('status_page_resource', c.req.param('id'), r) });
  });
  api.delete('/v2/status-pages/:page/resources/:id', (c) => {
    if (!pageResource(c)) return notFound(c);
    store.statusPageResources.delete(c.req.param('id'));
    return c.body(null, 204);
  });

  // Outgoing webhooks (v2): the incident webhook POSTs the incident resource on each change.
  api.get('/v2/outgoing-webhooks', (c) =>
    list(c, 'outgoing_webhook', [...store.outgoingWebhooks.entries()]),
  );
  api.post('/v2/outgoing-webhooks', async (c) => {
    const { values, errors } = pickFields(await body(c), OUTGOING_WEBHOOK_FIELDS);
    if (typeof values.url !== 'string' || !/^https?:\/\/\S+$/.test(values.url))
      (errors.url ??= []).push('is not a valid URL');
    if (!OUTGOING_WEBHOOK_TRIGGERS.includes(String(values.trigger_type)))
      (errors.trigger_type ??= []).push(`must be one of ${OUTGOING_WEBHOOK_TRIGGERS.join(', ')}`);
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    const id = store.nextId();
    const webhook: OutgoingWebhookAttributes = {
      name: null,
      on_incident_started: false,
      on_incident_acknowledged: false,
      on_incident_resolved: false,
      on_incident_reopened: false,
      on_incident_comment: false,
      notify_alongside_primary_responder: true,
      team_name: teamName,
      ...(values as Partial<OutgoingWebhookAttributes> &
        Pick<OutgoingWebhookAttributes, 'url' | 'trigger_type'>),
    };
    store.outgoingWebhooks.set(id, webhook);
    return c.json({ data: resource('outgoing_webhook', id, webhook) }, 201);
  });
  api.get('/v2/outgoing-webhooks/:id', (c) => {
    const w = store.outgoingWebhooks.get(c.req.param('id'));
    return w ? c.json({ data: resource('outgoing_webhook', c.req.param('id'), w) }) : notFound(c);
  });
  api.patch('/v2/outgoing-webhooks/:id', async (c) => {
    const id = c.req.param('id');
    const w = store.outgoingWebhooks.get(id);
    if (!w) return notFound(c);
    const { values, errors } = pickFields(await body(c), OUTGOING_WEBHOOK_FIELDS);
    if (values.trigger_type !== undefined && values.trigger_type !== w.trigger_type)
      (errors.trigger_type ??= []).push('can only be set on creation');
    if (Object.keys(errors).length > 0) return invalid(c, errors);
    Object.assign(w, values);
    return c.json({ data: resource('outgoing_webhook', id, w) });
  });
  api.delete('/v2/outgoing-webhooks/:id', (c) =>
    store.outgoingWebhooks.delete(c.req.param('id')) ? c.body(null, 204) : notFound(c),
  );

  // Each incident change goes to every incident webhook that asked for it, as Better Stack
  // sends it: the incident resource of the Uptime API (docs/alert-webhooks.md).
  store.onIncident(async (event: IncidentEvent) => {
    const flag = event.type === 'opened' ? 'on_incident_started' : 'on_incident_resolved';
    for (const [webhookId, w] of store.outgoingWebhooks) {
      if (w.trigger_type !== 'incident_change' || !w[flag]) continue;
      let status: number;
      try {
        const answer = await fetch(w.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            data: incidentResource(store.incidents.find((i) => i.id === event.incidentId)!),
          }),
          signal: AbortSignal.timeout(5_000),
        });
        status = answer.status;
        await answer.body?.cancel();
      } catch {
        status = 0; // not reached: Better Stack would retry later
      }
      deliveries.push({
        webhookId,
        incidentId: event.incidentId,
        event: event.type === 'opened' ? 'started' : 'resolved',
        status,
      });
    }
  });
  /** An incident as the Uptime API v3 answers it (the list below and the webhooks above). */
  const incidentResource = (incident: Incident) => {
    const monitor =
      incident.resource === 'monitor' ? store.monitors.get(incident.resourceId) : undefined;
    const heartbeat =
      incident.resource === 'heartbeat' ? store.heartbeats.get(incident.resourceId) : undefined;
    const attributes = {
      name: monitor?.pronounceable_name ?? heartbeat?.name ?? incident.resourceId,
      url: monitor?.url ?? null,
      http_method: monitor?.http_method ?? null,
      cause: incident.cause,
      incident_group_id: null,
      started_at: incident.startedAt.toISOString(),
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: incident.resolvedAt?.toISOString() ?? null,
      resolved_by: incident.resolvedAt ? 'Automatically' : null,
      status: incident.resolvedAt ? 'Resolved' : 'Started',
      team_name: teamName,
      response_content: null,
      response_options: null,
      regions: monitor?.regions ?? [],
      response_url: null,
      screenshot_url: null,
      origin_url: null,
      escalation_policy_id: null,
      call: false,
      sms: false,
      email: true,
      push: false,
      metadata: {},
    };
    return {
      ...resource('incident', incident.id, attributes),
      relationships: {
        [incident.resource]: { data: { id: incident.resourceId, type: incident.resource } },
      },
    };
  };

  // Incidents (Uptime API v3): newest first, 10 per page by default and 50 at most, filtered
  // by `from`/`to` (days of `started_at`), `monitor_id`, `heartbeat_id`, `resolved` and
  // `acknowledged`; each points at its monitor or heartbeat under `relationships`.
  api.get('/v3/incidents', (c) => {
    const flags: Record<'resolved' | 'acknowledged', boolean | undefined> = {
      resolved: undefined,
      acknowledged: undefined,
    };
    for (const name of ['resolved', 'acknowledged'] as const) {
      const value = c.req.query(name);
      if (value === undefined) continue;
      if (value !== 'true' && value !== 'false') {
        return c.json({ errors: `${name} must be true or false` }, 400);
      }
      flags[name] = value === 'true';
    }
    const day = /^\d{4}-\d{2}-\d{2}$/;
    const from = c.req.query('from');
    const to = c.req.query('to');
    if ((from !== undefined && !day.test(from)) || (to !== undefined && !day.test(to))) {
      return badRange(c);
    }
    const monitorId = c.req.query('monitor_id');
    const heartbeatId = c.req.query('heartbeat_id');
    const entries = store.incidents
      .filter(
        (i) =>
          (monitorId === undefined || (i.resource === 'monitor' && i.resourceId === monitorId)) &&
          (heartbeatId === undefined ||
            (i.resource === 'heartbeat' && i.resourceId === heartbeatId)) &&
          (flags.resolved === undefined || (i.resolvedAt !== null) === flags.resolved) &&
          // Nobody acknowledges in the stand-in: `acknowledged=true` matches nothing.
          flags.acknowledged !== true &&
          (from === undefined || i.startedAt.toISOString().slice(0, 10) >= from) &&
          (to === undefined || i.startedAt.toISOString().slice(0, 10) <= to),
      )
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
      .map((i): ListEntry => {
        const r = incidentResource(i);
        return [r.id, r.attributes, r.relationships];
      });
    return list(c, 'incident', entries, { perPage: 10, maxPerPage: 50 });
  });

  app.route('/api', api);

  // Heartbeat pings: no auth (the token is in the URL), GET or POST.
  const ping = (failed: boolean) => async (c: Context) => {
    const entry = [...store.heartbeats.entries()].find(([, h]) => h.token === c.req.param('token'));
    if (!entry) return c.text('Not found', 404);
    const [id, h] = entry;
    const at = now();
    h.lastPingAt = at;
    if (h.paused_at !== null) return c.text('OK');
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
  return {
    url: server.url,
    token: options.token,
    faults,
    store,
    requests,
    deliveries,
    rateLimitNext(count, seconds) {
      limited.count = count;
      limited.seconds = seconds;
    },
    close: server.close,
  };
}

function defaultRequestTimeout(type: string): number {
  const allowed = allowedRequestTimeouts(type);
  return allowed.includes(30) ? 30 : allowed.includes(3000) ? 3000 : allowed[allowed.length - 1]!;
}

/**
 * The write-only `paused` flag of monitors and heartbeats: `paused_at` is set when pausing (and
 * kept while already paused), cleared on resume; the status goes to `paused`, then back to
 * `pending` until the next check.
 */
export function pauseState(
  paused: boolean,
  current: { paused_at: string | null; status: string },
  at: string,
): { paused_at: string | null; status: string } {
  return {
    paused_at: paused ? (current.paused_at ?? at) : null,
    status: paused ? 'paused' : current.status === 'paused' ? 'pending' : current.status,
  };
}
