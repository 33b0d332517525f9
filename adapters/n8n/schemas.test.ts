import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  N8N_EXECUTION_STATUSES,
  deletedExecutionSchema,
  executionPageSchema,
  executionSchema,
} from './schemas.ts';

// The client's shapes against the OpenAPI fragment n8n ships (n8n@2.41.3, see its x-source).
interface JsonSchema {
  type?: string;
  nullable?: boolean;
  enum?: string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
}
const doc = JSON.parse(
  readFileSync(
    new URL('../../sandbox/n8n/openapi/executions.openapi.json', import.meta.url),
    'utf8',
  ),
) as {
  paths: Record<
    string,
    Record<
      string,
      { responses: Record<string, { content: Record<string, { schema: JsonSchema }> }> }
    >
  >;
};
const answer = (path: string, method: string) =>
  doc.paths[path]![method]!.responses['200']!.content['application/json']!.schema;

const listPage = answer('/executions', 'get');
const single = answer('/executions/{executionId}', 'get');
const deleted = answer('/executions/{executionId}', 'delete');

/** What zod says of one field: its JSON type, nullable, optional. */
function zodField(schema: z.ZodType): { type: string; nullable: boolean; optional: boolean } {
  let s = schema as unknown as { def: { type: string; innerType?: unknown } };
  let nullable = false;
  let optional = false;
  for (;;) {
    if (s.def.type === 'optional') optional = true;
    else if (s.def.type === 'nullable') nullable = true;
    else break;
    s = s.def.innerType as typeof s;
  }
  const type =
    {
      string: 'string',
      enum: 'string',
      boolean: 'boolean',
      number: 'number',
      object: 'object',
      record: 'object',
      array: 'array',
    }[s.def.type] ?? s.def.type;
  return { type, nullable, optional };
}

describe.each([
  ['GET /executions items', executionSchema, listPage.properties!.data!.items!],
  ['GET /executions/{id}', executionSchema, single],
  ['DELETE /executions/{id}', deletedExecutionSchema, deleted],
] as const)('%s: the shape the client checks is the document’s', (_name, schema, documented) => {
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;

  it.each(Object.keys(shape))('%s: documented with the same type and nullability', (field) => {
    const property = documented.properties?.[field];
    // `data`, `customData`, `workflowData` and `dataTooLargeToDisplay` are not in DELETE's answer.
    if (property === undefined) {
      expect(zodField(shape[field]!).optional).toBe(true);
      return;
    }
    const mine = zodField(shape[field]!);
    expect(mine.type === 'number' && field === 'id' ? 'number' : mine.type).toBe(
      property.type === 'integer' ? 'number' : property.type,
    );
    expect(mine.nullable).toBe(property.nullable === true);
    // Required by the document ⇔ required here (for the fields the client checks).
    expect(mine.optional).toBe(!(documented.required ?? []).includes(field));
  });

  it('the status enum is the document’s', () => {
    expect(documented.properties!.status!.enum).toEqual([...N8N_EXECUTION_STATUSES]);
  });
});

describe('the execution page', () => {
  it('data and nextCursor are required, nextCursor nullable', () => {
    expect(listPage.required).toEqual(['data', 'nextCursor']);
    expect(listPage.properties!.nextCursor!.nullable).toBe(true);
    expect(executionPageSchema.safeParse({ data: [] }).success).toBe(false);
    expect(executionPageSchema.safeParse({ data: [], nextCursor: null }).success).toBe(true);
  });
});
