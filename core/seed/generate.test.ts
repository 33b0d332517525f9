import { describe, expect, it } from 'vitest';
import { scoreDomain } from '../deliverability.ts';
import {
  DEFAULT_RATES,
  generateSeed,
  seedOptionProblems,
  SEED_TABLE_ORDER,
  type SeedOptions,
} from './generate.ts';
import { createRng, deriveSeed } from './prng.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const small: SeedOptions = { customers: 4, prospectsPerCustomer: 300, seed: 42, now: NOW };
const all = (o: SeedOptions) => [...generateSeed(o)];

describe('generateSeed', () => {
  it('gives the same rows for the same seed', () => {
    expect(JSON.stringify(all(small))).toBe(JSON.stringify(all(small)));
  });

  it('gives different rows for a different seed', () => {
    const a = all(small);
    const b = all({ ...small, seed: 43 });
    expect(a[0]?.userId).not.toBe(b[0]?.userId);
    expect(
      a[0]?.tables.prospects[0]?.full_name === b[0]?.tables.prospects[0]?.full_name &&
        a[0]?.tables.prospects[0]?.linkedin_url === b[0]?.tables.prospects[0]?.linkedin_url,
    ).toBe(false);
  });

  it('yields the requested customers and prospects, with dependents on every table', () => {
    const customers = all(small);
    expect(customers).toHaveLength(4);
    for (const c of customers) {
      expect(c.tables.auth_users).toHaveLength(1);
      expect(c.tables.profiles).toHaveLength(1);
      expect(c.tables.prospects).toHaveLength(300);
      expect(c.tables.sending_domains.length).toBeGreaterThanOrEqual(1);
      expect(c.tables.campaigns.length).toBeGreaterThanOrEqual(3);
    }
    for (const table of SEED_TABLE_ORDER) {
      if (table === 'calendar_connections') continue; // 80 % of customers have one
      expect(
        customers.some((c) => c.tables[table].length > 0),
        table,
      ).toBe(true);
    }
  });

  it('keeps events within the last 90 days, at or before now', () => {
    const events = all(small).flatMap((c) => c.tables.email_events);
    expect(events.length).toBeGreaterThan(0);
    const min = NOW.getTime() - 90 * 24 * 3600 * 1000;
    for (const e of events) {
      const t = Date.parse(e.occurred_at);
      expect(t >= min && t <= NOW.getTime()).toBe(true);
    }
  });

  it('produces realistic bounce and complaint rates over the default size', () => {
    const counts = { sent: 0, bounce: 0, complaint: 0, unsubscribe: 0 } as Record<string, number>;
    for (const c of generateSeed({
      customers: 20,
      prospectsPerCustomer: 2000,
      seed: 1,
      now: NOW,
    })) {
      for (const e of c.tables.email_events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    }
    const sent = counts.sent ?? 0;
    expect((counts.bounce ?? 0) / sent).toBeGreaterThan(0.005);
    expect((counts.bounce ?? 0) / sent).toBeLessThan(0.02);
    expect((counts.complaint ?? 0) / sent).toBeGreaterThan(0.0005);
    expect((counts.complaint ?? 0) / sent).toBeLessThan(0.002);
    expect(counts.unsubscribe).toBeGreaterThan(0);
  });

  it('scores most sending domains of the staging seed Green, with one Red and an Amber on purpose', () => {
    // The staging seed (50 × 2,000, seed 42), scored as the deliverability collector does with
    // DNS published for every domain: it must not page for every domain on a fresh start.
    const score = { green: 0, amber: 0, red: 0 };
    const redIds: string[] = [];
    const troubled: string[] = [];
    for (const c of generateSeed({
      customers: 50,
      prospectsPerCustomer: 2000,
      seed: 42,
      now: NOW,
    })) {
      const first = c.tables.sending_domains[0]?.id;
      if (DEFAULT_RATES.troubledDomains.some((t) => t.customer === c.index) && first)
        troubled.push(first);
      for (const d of c.tables.sending_domains) {
        const window = (days: number) => {
          const counts = { sent: 0, bounces: 0, complaints: 0 };
          for (const e of c.tables.email_events) {
            if (e.sending_domain_id !== d.id) continue;
            if (Date.parse(e.occurred_at) < NOW.getTime() - days * 86_400_000) continue;
            if (e.type === 'sent') counts.sent += 1;
            if (e.type === 'bounce') counts.bounces += 1;
            if (e.type === 'complaint') counts.complaints += 1;
          }
          return counts;
        };
        const health = scoreDomain({
          last24h: window(1),
          last7d: window(7),
          dns: { spf: 'pass', dkim: 'pass', dmarc: 'pass' },
        });
        score[health.score] += 1;
        if (health.score === 'red') redIds.push(d.id);
      }
    }
    expect(score.red).toBe(1);
    expect(redIds[0]).toBe(troubled[0]);
    expect(score.amber).toBeGreaterThanOrEqual(1);
    expect(score.amber).toBeLessThanOrEqual(3);
    expect(score.green / (score.green + score.amber + score.red)).toBeGreaterThan(0.9);
  });

  it('keeps foreign keys consistent within a customer and statuses coherent', () => {
    for (const c of all(small)) {
      const prospects = new Map(c.tables.prospects.map((p) => [p.id, p]));
      const campaigns = new Set(c.tables.campaigns.map((x) => x.id));
      for (const m of c.tables.campaign_prospects) {
        expect(prospects.has(m.prospect_id) && campaigns.has(m.campaign_id)).toBe(true);
      }
      for (const e of c.tables.email_events) expect(prospects.has(e.prospect_id)).toBe(true);
      for (const p of c.tables.prospects) {
        if (p.status === 'unsubscribed') expect(p.unsubscribed_at).not.toBeNull();
        if (p.consent_given) expect(p.consent_date).not.toBeNull();
      }
      for (const job of c.redis.emailJobs) expect(job.dueAt).toBeGreaterThanOrEqual(NOW.getTime());
    }
  });

  it('uses only reserved example domains for emails', () => {
    for (const c of all(small)) {
      for (const p of c.tables.prospects) expect(p.email).toMatch(/\.example$/);
      expect(c.tables.auth_users[0]?.email).toMatch(/\.example$/);
    }
  });

  it('names every problem with the options', () => {
    expect(
      seedOptionProblems({ customers: -1, prospectsPerCustomer: 1.5, seed: 1, now: new Date('x') }),
    ).toHaveLength(3);
    expect(() => all({ ...small, customers: -1 })).toThrow(/customers/);
  });
});

describe('prng', () => {
  it('repeats its stream for a seed and shapes UUIDs as version 4', () => {
    const a = createRng(5);
    const b = createRng(5);
    const uuid = a.uuid();
    expect(uuid).toBe(b.uuid());
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
  });
});
