import { generateSeed } from '../seed/generate.ts';

/**
 * What one customer does on an average day, measured on the seed data (the same generator
 * local staging loads): prospects scraped, enrichments, emails sent. Scrapes per day assume a
 * LinkedIn search page of `PROSPECTS_PER_SCRAPE` profiles per workflow run (an assumption, said
 * so in the report). Peak factor: the working day is 9 hours, and traffic in the busiest hour
 * is taken as twice the working-hour average.
 */
export interface UsageProfile {
  prospectsPerDay: number;
  enrichmentsPerDay: number;
  emailsPerDay: number;
  scrapesPerDay: number;
  /** Days the figures were averaged over, and how many customers. */
  basis: { customers: number; prospectDays: number; emailDays: number; seed: number };
}

export const PROSPECTS_PER_SCRAPE = 25;
export const WORKING_HOURS = 9;
export const PEAK_HOUR_FACTOR = 2;

export function usageProfileFromSeed(
  options: { customers?: number; prospectsPerCustomer?: number; seed?: number; now?: Date } = {},
): UsageProfile {
  const customers = options.customers ?? 5;
  const seed = options.seed ?? 42;
  const now = options.now ?? new Date('2026-11-30T00:00:00Z');
  const DAY = 86_400_000;
  let prospects = 0;
  let enriched = 0;
  let sent = 0;
  let firstProspect = now.getTime();
  let firstSent = now.getTime();
  for (const c of generateSeed({
    customers,
    prospectsPerCustomer: options.prospectsPerCustomer ?? 2000,
    seed,
    now,
  })) {
    for (const p of c.tables.prospects) {
      prospects += 1;
      if (p.enriched_at) enriched += 1;
      firstProspect = Math.min(firstProspect, Date.parse(p.created_at));
    }
    for (const e of c.tables.email_events) {
      if (e.type !== 'sent') continue;
      sent += 1;
      firstSent = Math.min(firstSent, Date.parse(e.occurred_at));
    }
  }
  const prospectDays = Math.max(1, Math.round((now.getTime() - firstProspect) / DAY));
  const emailDays = Math.max(1, Math.round((now.getTime() - firstSent) / DAY));
  const perCustomerDay = (n: number, days: number) => n / customers / days;
  const prospectsPerDay = perCustomerDay(prospects, prospectDays);
  return {
    prospectsPerDay,
    enrichmentsPerDay: perCustomerDay(enriched, prospectDays),
    emailsPerDay: perCustomerDay(sent, emailDays),
    scrapesPerDay: prospectsPerDay / PROSPECTS_PER_SCRAPE,
    basis: { customers, prospectDays, emailDays, seed },
  };
}
