import {
  BOUNCE_AMBER,
  BOUNCE_CRITICAL,
  BOUNCE_RED,
  COMPLAINT_AMBER,
  COMPLAINT_CRITICAL,
  COMPLAINT_RED,
} from '../core/deliverability.ts';
import { inStage, stored } from '../core/promql.ts';
import { buildDashboard, type DashboardExport, idVariable } from './build.ts';
import { AUTH_MAPPINGS, LEVEL_MAPPINGS, statPanel, type Step, timeSeries } from './panels.ts';

const DOMAIN = 'sending_domain_id';
const SELECTED = `${DOMAIN}=~"$${DOMAIN}"`;

const BOUNCE_STEPS: Step[] = [
  { value: BOUNCE_AMBER, color: 'orange' },
  { value: BOUNCE_RED, color: 'red' },
];
const COMPLAINT_STEPS: Step[] = [
  { value: COMPLAINT_AMBER, color: 'orange' },
  { value: COMPLAINT_RED, color: 'red' },
];

function ratePanel(kind: 'bounce' | 'complaint', window: '24h' | '7d') {
  const metric =
    kind === 'bounce'
      ? stored('vigie_deliverability_bounce_rate')
      : stored('vigie_deliverability_complaint_rate');
  const critical = kind === 'bounce' ? BOUNCE_CRITICAL : COMPLAINT_CRITICAL;
  return {
    panel: timeSeries({
      title: `${kind === 'bounce' ? 'Bounce' : 'Complaint'} rate, ${window}, per sending domain`,
      description: `Amber and red lines are the scoring thresholds; critical from ${critical * 100} %.`,
      unit: 'percentunit',
      min: 0,
      thresholds: kind === 'bounce' ? BOUNCE_STEPS : COMPLAINT_STEPS,
      queries: [
        {
          expr: `max by (${DOMAIN}) (${inStage(`${metric}{${SELECTED},window="${window}"}`)})`,
          legend: `{{${DOMAIN}}}`,
        },
      ],
    }),
  };
}

export function deliverability(): DashboardExport {
  return buildDashboard({
    uid: 'vigie-deliverability',
    title: 'Vigie — Deliverability',
    description: 'Per sending domain: Green/Amber/Red, bounce and complaint rates, SPF/DKIM/DMARC.',
    tags: ['deliverability', 'email'],
    variables: [idVariable(DOMAIN, 'Sending domain id', stored('vigie_deliverability_score'))],
    panels: [
      {
        panel: statPanel({
          title: 'Domain health',
          description: 'Green, amber or red per sending domain (the deliverability score).',
          unit: 'none',
          mappings: LEVEL_MAPPINGS,
          thresholds: [
            { value: 1, color: 'orange' },
            { value: 2, color: 'red' },
          ],
          queries: [
            {
              expr: `max by (${DOMAIN}) (${inStage(`${stored('vigie_deliverability_score')}{${SELECTED}}`)})`,
              legend: `{{${DOMAIN}}}`,
            },
          ],
        }),
        width: 24,
      },
      ratePanel('bounce', '24h'),
      ratePanel('bounce', '7d'),
      ratePanel('complaint', '24h'),
      ratePanel('complaint', '7d'),
      {
        panel: timeSeries({
          title: 'Sending domains not verified (onboarding)',
          description:
            'All unverified domains, and those stuck past the verification grace period.',
          unit: 'short',
          queries: [
            {
              expr: `max by (state) (${inStage(stored('vigie_onboarding_domains_unverified'))})`,
              legend: '{{state}}',
            },
          ],
        }),
        width: 24,
      },
      {
        panel: statPanel({
          title: 'SPF, DKIM, DMARC',
          description:
            'DNS authentication per sending domain: pass, fail, or unknown when the lookup failed.',
          unit: 'none',
          mappings: AUTH_MAPPINGS,
          queries: [
            {
              expr: `min by (${DOMAIN}, check) (${inStage(`${stored('vigie_deliverability_dns_auth')}{${SELECTED}}`)})`,
              legend: `{{${DOMAIN}}} {{check}}`,
            },
          ],
        }),
        width: 24,
      },
    ],
  });
}
