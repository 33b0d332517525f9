import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type N8nStandIn, startN8nStandIn } from './stand-in.ts';

/**
 * Every answer of the stand-in's executions API validated against the OpenAPI document n8n
 * ships in its npm package (the fragment in `openapi/`, with the package version it came
 * from). Stricter than the document in one way, on purpose: a property the document does not
 * list for that answer fails (`additionalProperties: false` added where it says nothing), so
 * `data`, `customData` and `workflowData` appear only as documented.
 */
const doc = JSON.parse(
  readFileSync(new URL('./openapi/executions.openapi.json', import.meta.url), 'utf8'),
) as {
  'x-source': { package: string };
  info: { version: string };
  paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
};

function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  // Keywords of OpenAPI the validator need not know.
  delete out.example;
  delete out.deprecated;
  return out;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
function validator(path: string, method: string) {
  const content = doc.paths[path]![method]!.responses['200']!.content as {
    'application/json': { schema: unknown };
  };
  return ajv.compile(strict(content['application/json'].schema) as object);
}
const validate = {
  list: validator('/executions', 'get'),
  single: validator('/executions/{executionId}', 'get'),
  deleted: validator('/executions/{executionId}', 'delete'),
};

function conforms(kind: keyof typeof validate, body: unknown): void {
  const v = validate[kind];
  expect(v(body), JSON.stringify(v.errors)).toBe(true);
}

const NOW = new Date('2026-11-30T10:00:00Z');
let n8n: N8nStandIn;
const headers = { 'X-N8N-API-KEY': 'k' };
const get = async (path: string) => {
  const r = await fetch(`${n8n.url}/api/v1${path}`, { headers });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  n8n = await startN8nStandIn({ apiKey: 'k', now: () => NOW });
  n8n.addExecution({
    workflowId: 'wf-a',
    status: 'success',
    startedAt: '2026-11-29T08:00:00.000Z',
    customData: { run: 'nightly' },
    data: { resultData: { runData: { Webhook: [{ data: { main: [[{ json: { p: 'x' } }]] } }] } } },
  });
  n8n.addExecution({ workflowId: 'wf-a', status: 'new', startedAt: NOW.toISOString() });
  n8n.addExecution({
    workflowId: 'wf-b',
    status: 'waiting',
    startedAt: '2026-11-30T09:00:00.000Z',
    waitTill: '2026-11-30T12:00:00.000Z',
    projectId: 'other-project',
  });
  n8n.addExecution({ workflowId: 'wf-b', status: 'error', startedAt: '2026-11-30T09:30:00.000Z' });
});
afterAll(async () => n8n?.close());

describe(`n8n stand-in held to ${doc['x-source'].package}'s OpenAPI (public API ${doc.info.version})`, () => {
  it('records where its document comes from', () => {
    expect(doc['x-source'].package).toMatch(/^n8n@\d+\.\d+\.\d+$/);
  });

  it('lists executions as documented, with and without data', async () => {
    for (const q of ['', '?includeData=true', '?includeData=false&limit=2']) {
      const { status, body } = await get(`/executions${q}`);
      expect(status, q).toBe(200);
      conforms('list', body);
    }
    const bare = (await get('/executions')).body.data as Record<string, unknown>[];
    expect(
      bare.every((e) => !('data' in e) && !('customData' in e) && !('workflowData' in e)),
    ).toBe(true);
    const full = (await get('/executions?includeData=true')).body.data as Record<string, unknown>[];
    expect(full.find((e) => e.id === '1')).toMatchObject({ customData: { run: 'nightly' } });
  });

  it('answers every field a single execution requires, per status', async () => {
    for (const id of ['1', '2', '3', '4']) {
      for (const q of ['', '?includeData=true']) {
        const { status, body } = await get(`/executions/${id}${q}`);
        expect(status).toBe(200);
        conforms('single', body);
      }
    }
    // `new`: not started yet; `waiting`: its run stopped, it resumes at waitTill.
    expect((await get('/executions/2')).body).toMatchObject({
      status: 'new',
      startedAt: null,
      stoppedAt: null,
    });
    expect((await get('/executions/3')).body).toMatchObject({
      status: 'waiting',
      stoppedAt: expect.any(String),
      waitTill: '2026-11-30T12:00:00.000Z',
    });
  });

  it('filters by startedAfter, startedBefore and projectId', async () => {
    const ids = async (q: string) =>
      ((await get(`/executions?${q}`)).body.data as { id: string }[]).map((e) => e.id);
    expect(await ids('startedAfter=2026-11-30T00:00:00.000Z')).toEqual(['4', '3']);
    expect(await ids('startedBefore=2026-11-30T00:00:00.000Z')).toEqual(['1']);
    expect(await ids('projectId=other-project')).toEqual(['3']);
    expect((await get('/executions?startedAfter=yesterday')).status).toBe(400);
  });

  it('refuses an invalid includeData and ids that are not positive integers with 400', async () => {
    expect((await get('/executions?includeData=yes')).status).toBe(400);
    expect((await get('/executions/1?includeData=1')).status).toBe(400);
    expect((await get('/executions/1?ignoreDataSizeLimit=maybe')).status).toBe(400);
    for (const id of ['abc', '0', '1.5', '-1']) {
      expect((await get(`/executions/${id}`)).status, id).toBe(400);
    }
    expect((await get('/executions/999')).status).toBe(404);
  });

  it('withholds data too large to display unless ignoreDataSizeLimit=true', async () => {
    n8n.display.maxDisplaySizeBytes = 10;
    try {
      const withheld = await get('/executions/1?includeData=true');
      conforms('single', withheld.body);
      expect(withheld.body).toMatchObject({ dataTooLargeToDisplay: true, data: {} });
      expect(withheld.body.jsonSizeBytes).toBeGreaterThan(10);
      const full = await get('/executions/1?includeData=true&ignoreDataSizeLimit=true');
      conforms('single', full.body);
      expect(JSON.stringify(full.body.data)).toContain('"p":"x"');
    } finally {
      n8n.display.maxDisplaySizeBytes = 8 * 1024 * 1024;
    }
  });

  it('redacts by policy, reveals with redactExecutionData=false, 403 without the scope', async () => {
    const e = n8n.addExecution({
      workflowId: 'wf-c',
      redacted: true,
      data: {
        resultData: { runData: { Webhook: [{ data: { main: [[{ json: { p: 'secret' } }]] } }] } },
      },
    });
    const redacted = await get(`/executions/${e.id}?includeData=true`);
    conforms('single', redacted.body);
    expect(redacted.body.data).toMatchObject({ redactionInfo: { isRedacted: true } });
    expect(JSON.stringify(redacted.body.data)).not.toContain('secret');
    const revealed = await get(`/executions/${e.id}?includeData=true&redactExecutionData=false`);
    expect(JSON.stringify(revealed.body.data)).toContain('secret');
    n8n.display.revealScope = false;
    try {
      expect(
        (await get(`/executions/${e.id}?includeData=true&redactExecutionData=false`)).status,
      ).toBe(403);
    } finally {
      n8n.display.revealScope = true;
    }
  });

  it('DELETE answers the deleted execution with a numeric id', async () => {
    const e = n8n.addExecution({ workflowId: 'wf-d' });
    const r = await fetch(`${n8n.url}/api/v1/executions/${e.id}`, { method: 'DELETE', headers });
    const body = (await r.json()) as { id: unknown };
    expect(r.status).toBe(200);
    conforms('deleted', body);
    expect(body.id).toBe(Number(e.id));
    expect(
      (await fetch(`${n8n.url}/api/v1/executions/x1`, { method: 'DELETE', headers })).status,
    ).toBe(400);
  });
});
