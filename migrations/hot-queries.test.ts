import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hotQueries } from './hot-queries.ts';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const indexes = readFileSync(
  new URL('./20261126000400_add_hot_query_indexes.sql', import.meta.url),
  'utf8',
);

describe('migrations/README.md hot queries', () => {
  it.each(hotQueries.map((q) => [q.id, q] as const))(
    '%s is documented with its exact SQL and index',
    (_id, q) => {
      expect(readme).toContain(`### \`${q.id}\``);
      expect(readme).toContain(q.sql);
      expect(readme).toContain(`index \`${q.index}\``);
      expect(indexes).toContain(q.index);
    },
  );
});
