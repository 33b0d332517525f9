import type { Drill } from './drills/types.ts';

/** A bounce and complaint spike on one sending domain → red → the runbook pauses its sending. */
export const drill: Drill = {
  runbook: 'deliverability',
  alert: 'deliverability-domain-red',
  collector: 'deliverability',
  fault: 'bounce and complaint spike on one domain (300 sent, 45 bounces, 5 complaints in an hour)',
  deployedStaging: true,
  async target(env) {
    // A sending domain with prospects, sending, and no bounce in the last day: green now.
    const { rows } = await env.pool.query<{ domain: string }>(
      `select d.domain from public.sending_domains d
        where d.sending_paused_at is null
          and exists (select 1 from public.prospects p where p.user_id = d.user_id)
          and not exists (select 1 from public.email_events e
                           where e.sending_domain_id = d.id and e.type in ('bounce', 'complaint')
                             and e.occurred_at > $1::timestamptz - interval '7 days')
        order by d.domain limit 1`,
      [env.now()],
    );
    if (!rows[0]) throw new Error('no quiet sending domain to drill on');
    return { domain: rows[0].domain };
  },
  inject: (t) => ({ standIn: 'email', mode: 'bounce-spike', args: { domain: t.domain! } }),
  matches: (labels, t) => labels.domain === t.domain,
};
