import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../sandbox/http-faults.ts';
import { startN8nStandIn, type N8nStandIn } from '../../sandbox/n8n/stand-in.ts';
import { N8nApiError, createN8nClient } from './client.ts';

// The client holds n8n's answers to the OpenAPI document: the stand-in (validated against the
// document with Ajv in sandbox/n8n/openapi.int.test.ts) passes; a server answering 200 with a
// body of the wrong shape gets a clear invalid_response naming the field, never a half-read
// execution. The malformed answers come from a plain Hono app: no n8n could be made to send them.
const PLANTED = 'jane.doe@example.test';

const valid = {
  id: '7',
  finished: true,
  mode: 'webhook',
  retryOf: null,
  retrySuccessId: null,
  status: 'success',
  startedAt: '2026-11-30T09:00:00.000Z',
  stoppedAt: '2026-11-30T09:00:01.000Z',
  workflowId: 'wf-1',
  waitTill: null,
};

let n8n: N8nStandIn;
let broken: RunningServer;
let answers: { list: unknown; get: unknown; delete: unknown };

beforeAll(async () => {
  n8n = await startN8nStandIn({ apiKey: 'k' });
  n8n.addExecution({ workflowId: 'wf-1', status: 'success', data: { resultData: {} } });
  const app = new Hono();
  app.get('/api/v1/executions', (c) => c.json(answers.list as object));
  app.get('/api/v1/executions/:id', (c) => c.json(answers.get as object));
  app.delete('/api/v1/executions/:id', (c) => c.json(answers.delete as object));
  broken = await listen(app);
});
afterAll(async () => {
  await n8n.close();
  await broken.close();
});

const client = (url: string) => createN8nClient({ baseUrl: url, apiKey: 'k', timeoutMs: 2_000 });

async function invalid(promise: Promise<unknown>): Promise<N8nApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(N8nApiError);
  expect(error).toMatchObject({ kind: 'invalid_response', retryable: false, code: 'UNAVAILABLE' });
  // Paths and kinds only: a value from the body (execution data) never reaches the message.
  expect((error as Error).message).not.toContain(PLANTED);
  return error as N8nApiError;
}

describe('n8n answers held to the OpenAPI document', () => {
  it('the stand-in’s answers parse: list, get with data, delete with a numeric id', async () => {
    const page = await client(n8n.url).listExecutions({ includeData: true });
    expect(page.data[0]).toMatchObject({ workflowId: 'wf-1', status: 'success' });
    const one = await client(n8n.url).getExecution(page.data[0]!.id, { includeData: true });
    expect(one?.data).toBeDefined();
    const gone = await client(n8n.url).deleteExecution(page.data[0]!.id);
    expect(gone).toMatchObject({ deleted: true, execution: { id: page.data[0]!.id } });
  });

  it.each([
    ['a page without nextCursor', { data: [valid] }, /nextCursor/],
    [
      'an item without status',
      { data: [{ ...valid, status: undefined }], nextCursor: null },
      /data\.0\.status/,
    ],
    [
      'a status n8n does not document',
      { data: [{ ...valid, status: PLANTED }], nextCursor: null },
      /data\.0\.status/,
    ],
    ['a numeric id in a list', { data: [{ ...valid, id: 7 }], nextCursor: null }, /data\.0\.id/],
    [
      'customData that is not text',
      { data: [{ ...valid, customData: { email: 1 } }], nextCursor: null },
      /data\.0\.customData\.email/,
    ],
    ['no body at all', null, /\(body\)/],
  ])('GET /executions with %s is invalid_response naming the field', async (_case, body, field) => {
    answers = { list: body, get: valid, delete: valid };
    const error = await invalid(client(broken.url).listExecutions());
    expect(error.message).toMatch(
      /^n8n answered GET \/executions with a body that does not match its OpenAPI document/,
    );
    expect(error.message).toMatch(field);
  });

  it('GET /executions/{id}: a redactionInfo that is not an object is invalid, not "not redacted"', async () => {
    answers = {
      list: null,
      get: { ...valid, data: { redactionInfo: 'yes', email: PLANTED } },
      delete: valid,
    };
    const error = await invalid(client(broken.url).getExecution('7', { includeData: true }));
    expect(error.message).toMatch(/data\.redactionInfo/);
  });

  it('DELETE /executions/{id}: the id must be the documented number; a string one is invalid', async () => {
    answers = { list: null, get: valid, delete: { ...valid, id: '7' } };
    const error = await invalid(client(broken.url).deleteExecution('7'));
    expect(error.message).toMatch(/DELETE \/executions\/\{id\}.*\bid\b/);
    answers = { list: null, get: valid, delete: { ...valid, id: 7 } };
    expect(await client(broken.url).deleteExecution('7')).toMatchObject({
      deleted: true,
      execution: { id: '7' },
    });
  });
});
