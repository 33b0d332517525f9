import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyring } from '../../core/privacy/keyring.ts';
import { type ErasureStack, startErasureStack } from '../../testkit/erasure-stack.ts';
import { advanceErasure, requestErasure } from './erasure.ts';
import { addSuppression, isSuppressed } from './suppression.ts';

// Real Postgres, Redis (through the Upstash bridge) and the n8n stand-in: the whole erasure
// path, with both keyrings rotated while work is outstanding.
const NOW = new Date('2026-11-30T09:00:00Z');
let stack: ErasureStack;

beforeAll(async () => {
  stack = await startErasureStack({ customers: 1, prospectsPerCustomer: 10, now: NOW });
});
afterAll(async () => {
  await stack?.close();
});

const secret = () => randomBytes(32).toString('hex');

describe('key rotation', () => {
  it('keeps an open erasure openable and old digests matching after both keys rotate', async () => {
    const oldHmac = stack.config.SUPPRESSION_HMAC_KEYS as string;
    const oldSeal = stack.config.SUBJECT_SEAL_KEYS as string;
    const { rows } = await stack.pool.query<{ id: string; user_id: string; email: string }>(
      `select id, user_id, email from public.prospects where email is not null order by id limit 2`,
    );
    const [open, other] = rows as [(typeof rows)[0], (typeof rows)[0]];

    // An objection recorded under the old HMAC key.
    await addSuppression(
      stack.pool,
      { userId: other.user_id, email: other.email, reason: 'objection', now: NOW },
      { hmacKey: parseKeyring(oldHmac) },
    );
    // An erasure left open (n8n down) with its subject sealed under the old seal key.
    stack.n8n.faults.outage = true;
    try {
      const pending = await requestErasure(stack.deps(NOW), {
        userId: open.user_id,
        prospectId: open.id,
      });
      expect(pending.status).toBe('pending');
    } finally {
      stack.n8n.faults.outage = false;
    }
    const sealed = await stack.pool.query<{ subject_sealed: string }>(
      `select subject_sealed from public.erasure_requests where prospect_id = $1`,
      [open.id],
    );
    expect(sealed.rows[0]?.subject_sealed).toMatch(/^v2\.s1\./);

    // Rotate both: new keys first, old ones kept listed.
    const rotated = {
      suppressionHmacKey: parseKeyring(`k2:${secret()},${oldHmac}`),
      subjectSealKeys: parseKeyring(`s2:${secret()},${oldSeal}`),
    };
    const later = new Date(NOW.getTime() + 10 * 60_000);
    const deps = stack.deps(later, { keys: { ...stack.deps(later).keys, ...rotated } });
    const { rows: ids } = await stack.pool.query<{ id: string }>(
      `select id from public.erasure_requests where prospect_id = $1`,
      [open.id],
    );
    const done = await advanceErasure(deps, ids[0]!.id);
    expect(done.status).toBe('completed');

    // Old digests match under the rotated ring; the erasure's digest was made with k2.
    expect(
      await isSuppressed(
        stack.pool,
        { userId: other.user_id, email: other.email },
        {
          hmacKey: rotated.suppressionHmacKey,
        },
      ),
    ).toBe(true);
    expect(
      await isSuppressed(
        stack.pool,
        { userId: open.user_id, email: open.email },
        {
          hmacKey: rotated.suppressionHmacKey,
        },
      ),
    ).toBe(true);
    // Each digest carries the id of its key; new ones are made with the new first key.
    await addSuppression(
      stack.pool,
      { userId: other.user_id, email: other.email, reason: 'unsubscribe', now: later },
      { hmacKey: rotated.suppressionHmacKey },
    );
    const keyIds = await stack.pool.query<{ key_id: string; reason: string }>(
      `select key_id, reason from public.suppression_list
        where user_id = $1 and reason <> 'erasure' order by created_at`,
      [other.user_id],
    );
    expect(keyIds.rows).toEqual([
      { key_id: 'k1', reason: 'objection' },
      { key_id: 'k2', reason: 'unsubscribe' },
    ]);
  });

  it('a dropped seal key strands nothing silently: the error names the missing key id', async () => {
    const { rows } = await stack.pool.query<{ id: string; user_id: string }>(
      `select id, user_id from public.prospects
        where not exists (select 1 from public.erasure_requests r where r.prospect_id = prospects.id)
        order by id limit 1`,
    );
    const p = rows[0]!;
    stack.n8n.faults.outage = true;
    try {
      await requestErasure(stack.deps(NOW), { userId: p.user_id, prospectId: p.id });
    } finally {
      stack.n8n.faults.outage = false;
    }
    const request = await stack.pool.query<{ id: string }>(
      `select id from public.erasure_requests where prospect_id = $1`,
      [p.id],
    );
    const later = new Date(NOW.getTime() + 10 * 60_000);
    const withoutOld = stack.deps(later, {
      keys: { ...stack.deps(later).keys, subjectSealKeys: parseKeyring(`s9:${secret()}`) },
    });
    await expect(advanceErasure(withoutOld, request.rows[0]!.id)).rejects.toThrow(
      /key "s1" is not in SUBJECT_SEAL_KEYS/,
    );
  });
});
