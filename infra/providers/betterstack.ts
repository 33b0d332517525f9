import type * as pulumi from '@pulumi/pulumi';

/**
 * A Pulumi dynamic provider over Better Stack's Uptime API (no Pulumi package exists for it):
 * monitors, heartbeats, escalation policies, status pages and the monitors shown on them.
 *
 * - `create` adopts a resource that already exists under the same identity (a monitor's
 *   `pronounceable_name`, a heartbeat's or policy's `name`, a status page's `subdomain`, a
 *   status-page resource's monitor) instead of making a duplicate, then brings it to the
 *   desired attributes.
 * - `diff` replaces only what the API cannot change in place (the kind, or the status page a
 *   resource belongs to, which is in its URL); every other change is a PATCH of the changed
 *   fields only.
 * - 429 is waited out (`Retry-After`, seconds or an HTTP date), up to `maxAttempts`.
 *
 * Self-contained (no imports but types): Pulumi serialises a dynamic provider's code into the
 * deployment, and a closure over other modules of the repository would drag them along.
 * API facts: docs/betterstack-uptime-api.md.
 */
export type BetterStackKind =
  'monitor' | 'heartbeat' | 'policy' | 'status-page' | 'status-page-resource' | 'outgoing-webhook';

export interface BetterStackInputs {
  kind: BetterStackKind;
  /** For `status-page-resource`: the status page's id. */
  parentId?: string;
  /** The attributes sent to the API, as it names them. */
  attributes: Record<string, unknown>;
}

export interface BetterStackOutputs extends BetterStackInputs {
  /** What the API answered (read-only fields included: a heartbeat's ping `url`, `status`…). */
  remote: Record<string, unknown>;
  /** True when `create` found it already there and adopted it. */
  adopted: boolean;
}

export interface BetterStackProviderOptions {
  baseUrl?: string;
  token?: string;
  /** Attempts per request when answered 429 (the first included). */
  maxAttempts?: number;
  /** Longest single wait for a `Retry-After` (longer answers fail the request). */
  maxWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface KindSpec {
  collection: (parentId?: string) => string;
  /** Attribute identifying an existing resource to adopt. */
  identity: string;
  /** Query parameter the list endpoint filters `identity` by, when it has one. */
  filter?: string;
  /** Attributes the API sets only on creation: a change replaces the resource. */
  createOnly?: readonly string[];
}

const KINDS: Record<BetterStackKind, KindSpec> = {
  monitor: {
    collection: () => '/api/v2/monitors',
    identity: 'pronounceable_name',
    filter: 'pronounceable_name',
  },
  heartbeat: { collection: () => '/api/v2/heartbeats', identity: 'name' },
  policy: { collection: () => '/api/v3/policies', identity: 'name' },
  'status-page': { collection: () => '/api/v2/status-pages', identity: 'subdomain' },
  'outgoing-webhook': {
    collection: () => '/api/v2/outgoing-webhooks',
    identity: 'name',
    createOnly: ['trigger_type'],
  },
  'status-page-resource': {
    collection: (parentId) =>
      `/api/v2/status-pages/${encodeURIComponent(parentId ?? '')}/resources`,
    identity: 'resource_id',
  },
};

/** The API's JSON: `{data, pagination}` for lists and resources (absent on 204 and 404). */
interface ApiAnswer {
  data: ApiResource & ApiResource[];
  pagination?: { next?: string | null };
}
interface ApiResource {
  id: string;
  attributes: Record<string, unknown>;
}

export class BetterStackApiError extends Error {
  readonly status: number;
  constructor(method: string, path: string, status: number, body: string) {
    super(`Better Stack ${method} ${path} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'BetterStackApiError';
    this.status = status;
  }
}

export function createBetterStackProvider(
  options: BetterStackProviderOptions = {},
): pulumi.dynamic.ResourceProvider<BetterStackInputs, BetterStackOutputs> {
  const settings = { ...options };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = options.maxAttempts ?? 5;
  const maxWaitSeconds = options.maxWaitSeconds ?? 300;

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: ApiAnswer }> {
    if (!settings.baseUrl || !settings.token) {
      throw new Error(
        'Better Stack is not configured: set vigie:BETTERSTACK_BASE_URL and `pulumi config set --secret vigie:BETTERSTACK_API_TOKEN …`',
      );
    }
    const url = path.startsWith('http') ? path : `${settings.baseUrl.replace(/\/$/, '')}${path}`;
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${settings.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      if (response.status === 429 && attempt < maxAttempts) {
        const wait = retryAfterSeconds(response.headers.get('retry-after'), Date.now());
        if (wait !== undefined && wait <= maxWaitSeconds) {
          await response.body?.cancel();
          await sleep(wait * 1000);
          continue;
        }
      }
      const text = await response.text();
      if (response.status >= 400 && response.status !== 404) {
        throw new BetterStackApiError(method, path, response.status, text);
      }
      return { status: response.status, json: (text ? JSON.parse(text) : {}) as ApiAnswer };
    }
  }

  async function findExisting(
    inputs: BetterStackInputs,
  ): Promise<{ id: string; attributes: Record<string, unknown> } | undefined> {
    const spec = KINDS[inputs.kind];
    const wanted = inputs.attributes[spec.identity];
    if (wanted === undefined) return undefined;
    const base = spec.collection(inputs.parentId);
    let next: string | null = spec.filter
      ? `${base}?${spec.filter}=${encodeURIComponent(String(wanted))}`
      : base;
    while (next) {
      const { json } = await call('GET', next);
      for (const item of (json?.data ?? []) as Array<{
        id: string;
        attributes: Record<string, unknown>;
      }>) {
        if (String(item.attributes?.[spec.identity]) === String(wanted)) return item;
      }
      next = json?.pagination?.next ?? null;
    }
    return undefined;
  }

  function outputs(
    inputs: BetterStackInputs,
    remote: Record<string, unknown>,
    adopted: boolean,
  ): BetterStackOutputs {
    return {
      kind: inputs.kind,
      ...(inputs.parentId ? { parentId: inputs.parentId } : {}),
      attributes: inputs.attributes,
      remote,
      adopted,
    };
  }

  return {
    async configure(req) {
      settings.baseUrl ??=
        req.config.get('vigie:BETTERSTACK_BASE_URL') ?? 'https://uptime.betterstack.com';
      settings.token ??= req.config.get('vigie:BETTERSTACK_API_TOKEN');
    },

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!(news.kind in KINDS))
        failures.push({
          property: 'kind',
          reason: `expected one of ${Object.keys(KINDS).join(', ')}`,
        });
      if (news.kind === 'status-page-resource' && !news.parentId)
        failures.push({ property: 'parentId', reason: 'the status page id is required' });
      else if (news.kind in KINDS && news.attributes?.[KINDS[news.kind].identity] === undefined) {
        failures.push({
          property: 'attributes',
          reason: `${KINDS[news.kind].identity} is required (it identifies the resource)`,
        });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces: string[] = [];
      if (olds.kind !== news.kind) replaces.push('kind');
      if ((olds.parentId ?? '') !== (news.parentId ?? '')) replaces.push('parentId');
      const changed = changedAttributes(olds.attributes, news.attributes);
      if (changed.some((name) => KINDS[news.kind]?.createOnly?.includes(name)))
        replaces.push('attributes');
      return {
        changes: replaces.length > 0 || changed.length > 0,
        replaces,
        stables: ['kind'],
        // Identities are unique on Better Stack (a subdomain, a monitor on a page): free it first.
        deleteBeforeReplace: replaces.length > 0,
      };
    },

    async create(inputs) {
      const spec = KINDS[inputs.kind];
      const existing = await findExisting(inputs);
      if (existing) {
        const changed = changedAttributes(existing.attributes, inputs.attributes);
        const patch = Object.fromEntries(changed.map((k) => [k, inputs.attributes[k]]));
        const remote =
          changed.length > 0
            ? (await call('PATCH', `${spec.collection(inputs.parentId)}/${existing.id}`, patch))
                .json.data.attributes
            : existing.attributes;
        return { id: existing.id, outs: outputs(inputs, remote, true) };
      }
      const { json } = await call('POST', spec.collection(inputs.parentId), inputs.attributes);
      return { id: String(json.data.id), outs: outputs(inputs, json.data.attributes, false) };
    },

    async read(id, props) {
      if (!props)
        throw new Error(
          'Better Stack read needs the resource kind (import by `pulumi import` is not supported)',
        );
      const { status, json } = await call(
        'GET',
        `${KINDS[props.kind].collection(props.parentId)}/${id}`,
      );
      if (status === 404) return {};
      return { id, props: { ...props, remote: json.data.attributes } };
    },

    async update(id, olds, news) {
      const changed = changedAttributes(olds.attributes, news.attributes);
      const patch = Object.fromEntries(changed.map((k) => [k, news.attributes[k] ?? null]));
      const { status, json } = await call(
        'PATCH',
        `${KINDS[news.kind].collection(news.parentId)}/${id}`,
        patch,
      );
      if (status === 404)
        throw new Error(`Better Stack ${news.kind} ${id} no longer exists: run \`pulumi refresh\``);
      return { outs: outputs(news, json.data.attributes, olds.adopted) };
    },

    async delete(id, props) {
      // Already gone is fine: the goal state is reached.
      await call('DELETE', `${KINDS[props.kind].collection(props.parentId)}/${id}`);
    },
  };
}

/** Keys of `next` whose value differs from `current` (deep, order-sensitive for arrays). */
export function changedAttributes(
  current: Record<string, unknown>,
  next: Record<string, unknown>,
): string[] {
  const keys = new Set([...Object.keys(next), ...Object.keys(current).filter((k) => k in next)]);
  return [...keys]
    .filter((k) => JSON.stringify(normalise(current[k])) !== JSON.stringify(normalise(next[k])))
    .sort();
}

function normalise(value: unknown): unknown {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return value ?? null;
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}
