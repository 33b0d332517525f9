/**
 * The app's providers as local stand-ins (Supabase Auth, n8n, Anthropic, Upstash Developer API,
 * PhantomBuster, DNS, Better Stack), each on 127.0.0.1 with a random port, returned as the
 * settings the app and the collectors read. A provider whose URL setting is in the caller's
 * environment is used as given and gets no stand-in.
 */
import { randomBytes } from 'node:crypto';
import { LEDGER_SECRET_HEADER } from '../../api/routes/erasure.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { startAnthropicStandIn, type AnthropicStandIn } from '../anthropic/stand-in.ts';
import { startBetterStackStandIn, type BetterStackStandIn } from '../betterstack/stand-in.ts';
import { startDnsStandIn, type DnsStandIn } from '../dns/stand-in.ts';
import { startN8nStandIn, type N8nStandIn } from '../n8n/stand-in.ts';
import {
  startPhantomBusterResourcesStandIn,
  type PhantomBusterResourcesStandIn,
} from '../phantombuster/resources.ts';
import { startSupabaseAuthStandIn, type SupabaseAuthStandIn } from '../supabase-auth/stand-in.ts';
import {
  startUpstashManagementStandIn,
  usageFromBridge,
  type UpstashManagementStandIn,
} from '../upstash-management/stand-in.ts';
import type { UpstashBridge } from '../upstash/bridge.ts';
import { fromEnv, type LaunchContext, type ServiceEntry } from './context.ts';
import { configSchema } from '../../core/config.ts';
import {
  CLAUDE_TIERS,
  N8N_PLANS,
  PHANTOMBUSTER_PLANS,
  PHANTOMBUSTER_TIMING,
} from '../../core/capacity/providers.ts';
import { LINKEDIN_PROFILE_SCRAPER_AGENT_ID } from '../phantombuster/agents.ts';
import type { ScrapeWorkflowDeps } from '../n8n/scrape-workflow.ts';

export interface ProviderStandIns {
  auth?: SupabaseAuthStandIn;
  n8n?: N8nStandIn;
  /** How to wire n8n's workflow to PhantomBuster and the gateway (`n8n.configureWorkflow`). */
  scrapeWorkflow?: ScrapeWorkflowDeps;
  anthropic?: AnthropicStandIn;
  upstashManagement?: UpstashManagementStandIn;
  phantombuster?: PhantomBusterResourcesStandIn;
  dns?: DnsStandIn;
  betterstack?: BetterStackStandIn;
}

export interface ProvidersStarted {
  settings: Record<string, string>;
  services: ServiceEntry[];
  standIns: ProviderStandIns;
}

/** The tracking CNAME target local staging publishes for every sending domain. */
export const LOCAL_TRACKING_TARGET = 't.vigie-local.test';

/** The database id the Upstash Developer API stand-in knows. */
export const LOCAL_UPSTASH_DATABASE_ID = 'local-staging';

const key = () => randomBytes(18).toString('base64url');

export async function startProviders(
  ctx: LaunchContext,
  ledger: {
    /** The app's base URL, known once it listens; undefined before. */
    appUrl: () => string | undefined;
    hookSecret: string;
  },
  /** The REST bridge whose measured usage the Developer API stand-in reports. */
  bridge?: Pick<UpstashBridge, 'usage' | 'storageBytes'>,
): Promise<ProvidersStarted> {
  const settings: Record<string, string> = {};
  const services: ServiceEntry[] = [];
  const standIns: ProviderStandIns = {};
  const envService = (name: string, url: string | undefined) => {
    if (url) services.push({ name, url, from: 'env' });
  };

  if (fromEnv(ctx, 'SUPABASE_JWKS_URL', ['SUPABASE_JWT_ISSUER'])) {
    envService('Supabase Auth (JWKS)', ctx.env.SUPABASE_JWKS_URL);
  } else {
    // The key persists in the state dir, so `npx vigie dev token` signs tokens this accepts.
    const auth = await startSupabaseAuthStandIn({ stateDir: ctx.stateDir });
    ctx.defer(auth.close);
    standIns.auth = auth;
    settings.SUPABASE_JWKS_URL = auth.jwksUrl;
    settings.SUPABASE_JWT_ISSUER = auth.issuer;
    services.push({ name: 'Supabase Auth (JWKS)', url: auth.jwksUrl, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'N8N_BASE_URL', ['N8N_API_KEY'])) {
    envService('n8n', ctx.env.N8N_BASE_URL);
  } else {
    const plan = N8N_PLANS[configSchema.shape.N8N_PLAN.parse(ctx.env.N8N_PLAN)];
    const n8n = await startN8nStandIn({
      apiKey: key(),
      now: ctx.clock.now,
      concurrency: plan.concurrency,
    });
    ctx.defer(n8n.close);
    // The workflow's first node reports to the app's ledger hook, as the real workflow's HTTP
    // Request node does, with the shared secret. The app's URL is read when a run happens: the
    // app starts after its stand-ins.
    n8n.onExecution(async (report) => {
      const app = ledger.appUrl();
      if (app === undefined) throw new Error('the app is not listening yet');
      const response = await fetch(`${app}/hooks/n8n/ledger`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [LEDGER_SECRET_HEADER]: ledger.hookSecret },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(5_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`ledger answered ${response.status}`);
    });
    standIns.n8n = n8n;
    settings.N8N_BASE_URL = n8n.url;
    settings.N8N_API_KEY = n8n.apiKey;
    settings.N8N_WEBHOOK_BASE_URL = n8n.url;
    services.push({ name: 'n8n (API + webhooks)', url: n8n.url, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'ANTHROPIC_BASE_URL', ['ANTHROPIC_API_KEY', 'ANTHROPIC_ADMIN_KEY'])) {
    envService('Anthropic', ctx.env.ANTHROPIC_BASE_URL);
  } else {
    const apiKey = `sk-ant-local-${key()}`;
    const adminKey = `sk-ant-admin-local-${key()}`;
    const tier = CLAUDE_TIERS[configSchema.shape.ANTHROPIC_TIER.parse(ctx.env.ANTHROPIC_TIER)];
    const anthropic = await startAnthropicStandIn({
      apiKey,
      adminKey,
      now: ctx.clock.now,
      tier,
      // About the time Haiku takes for a short brief (on the staging clock).
      generationMs: ctx.clock.toRealMs(800),
    });
    ctx.defer(anthropic.close);
    standIns.anthropic = anthropic;
    Object.assign(settings, {
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: apiKey,
      ANTHROPIC_ADMIN_KEY: adminKey,
    });
    services.push({ name: 'Anthropic (messages + admin)', url: anthropic.url, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'UPSTASH_API_BASE_URL', ['UPSTASH_API_KEY'])) {
    envService('Upstash Developer API', ctx.env.UPSTASH_API_BASE_URL);
  } else {
    const email = 'owner@localhost.test';
    const apiKey = key();
    const upstash = await startUpstashManagementStandIn({ email, apiKey, now: ctx.clock.now });
    ctx.defer(upstash.close);
    // What the bridge measured; never a made-up figure, which the cost report would show as
    // if measured (zero without a bridge).
    upstash.databases.set(
      LOCAL_UPSTASH_DATABASE_ID,
      bridge
        ? usageFromBridge(bridge, ctx.clock.now)
        : { monthlyRequests: 0, dailyRequests: [0], storageBytes: 0 },
    );
    standIns.upstashManagement = upstash;
    Object.assign(settings, {
      UPSTASH_API_BASE_URL: upstash.url,
      UPSTASH_API_EMAIL: email,
      UPSTASH_API_KEY: apiKey,
      UPSTASH_DATABASE_ID: LOCAL_UPSTASH_DATABASE_ID,
    });
    services.push({ name: 'Upstash Developer API', url: upstash.url, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'PHANTOMBUSTER_BASE_URL', ['PHANTOMBUSTER_API_KEY'])) {
    envService('PhantomBuster', ctx.env.PHANTOMBUSTER_BASE_URL);
  } else {
    const apiKey = key();
    const plan =
      PHANTOMBUSTER_PLANS[configSchema.shape.PHANTOMBUSTER_PLAN.parse(ctx.env.PHANTOMBUSTER_PLAN)];
    const phantombuster = await startPhantomBusterResourcesStandIn({
      apiKey,
      // A container's run is provider time: the staging clock compresses it like the rest.
      plan: {
        slots: plan.slots,
        launchMs: ctx.clock.toRealMs(PHANTOMBUSTER_TIMING.launchMs),
        msPerProfile: ctx.clock.toRealMs(PHANTOMBUSTER_TIMING.msPerProfile),
      },
      resources: { planName: plan.name },
    });
    ctx.defer(phantombuster.close);
    standIns.phantombuster = phantombuster;
    Object.assign(settings, {
      PHANTOMBUSTER_BASE_URL: phantombuster.url,
      PHANTOMBUSTER_API_KEY: apiKey,
    });
    services.push({ name: 'PhantomBuster', url: phantombuster.url, from: 'stand-in' });
  }

  // The n8n stand-in's workflow really scrapes through PhantomBuster and enriches through the
  // app's gateway, as the real workflow does.
  const pbUrl = settings.PHANTOMBUSTER_BASE_URL ?? ctx.env.PHANTOMBUSTER_BASE_URL;
  const pbKey = settings.PHANTOMBUSTER_API_KEY ?? ctx.env.PHANTOMBUSTER_API_KEY;
  if (standIns.n8n && pbUrl && pbKey) {
    // Applied below: the webhook answers at once ("Respond to Webhook" first) and the run
    // waits for a slot of the plan, as n8n Cloud does; callers follow it through the API.
    standIns.scrapeWorkflow = {
      phantombuster: {
        url: pbUrl,
        apiKey: pbKey,
        agentId: LINKEDIN_PROFILE_SCRAPER_AGENT_ID,
        // The workflow's Wait node polls every second of the staging clock.
        pollMs: Math.max(5, ctx.clock.toRealMs(1_000)),
      },
      enrich: {
        url: () => {
          const app = ledger.appUrl();
          return app === undefined ? undefined : `${app}/hooks/n8n/enrichments`;
        },
        hookSecret: ledger.hookSecret,
      },
    };
    standIns.n8n.configureWorkflow(standIns.scrapeWorkflow);
  }

  if (fromEnv(ctx, 'DNS_RESOLVER')) {
    envService('DNS resolver', `dns://${ctx.env.DNS_RESOLVER}`);
  } else {
    const dns = await startDnsStandIn();
    ctx.defer(dns.close);
    standIns.dns = dns;
    settings.DNS_RESOLVER = dns.address;
    // The click-tracking host the onboarding checks expect every domain's CNAME to point at.
    if (!ctx.env.TRACKING_CNAME_TARGET) settings.TRACKING_CNAME_TARGET = LOCAL_TRACKING_TARGET;
    services.push({ name: 'DNS (UDP, TXT)', url: `dns://${dns.address}`, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'BETTERSTACK_BASE_URL', ['BETTERSTACK_API_TOKEN'])) {
    envService('Better Stack', ctx.env.BETTERSTACK_BASE_URL);
  } else {
    const token = key();
    const betterstack = await startBetterStackStandIn({ token, now: ctx.clock.now });
    ctx.defer(betterstack.close);
    standIns.betterstack = betterstack;
    Object.assign(settings, {
      BETTERSTACK_BASE_URL: betterstack.url,
      BETTERSTACK_API_TOKEN: token,
    });
    services.push({ name: 'Better Stack', url: betterstack.url, from: 'stand-in' });
  }

  return { settings, services, standIns };
}

/**
 * Publishes SPF, DKIM (each selector), DMARC, MX and the tracking CNAME for every sending
 * domain in the database, so the deliverability and onboarding DNS checks pass and scores
 * reflect the seeded bounce and complaint rates. Returns how many domains were published.
 */
export async function publishSendingDomains(
  dns: DnsStandIn,
  db: Queryable,
  options: DomainRecordsOptions,
): Promise<number> {
  const { rows } = await db.query<{ domain: string }>(
    'select distinct domain from public.sending_domains',
  );
  for (const { domain } of rows) publishDomain(dns, domain, options);
  return rows.length;
}

export interface DomainRecordsOptions {
  dkimPublicKey: string;
  selectors: readonly string[];
  tracking?: { host: string; target: string };
}

/** The five records of one domain (a drill's "customer fixed DNS" restores them this way). */
export function publishDomain(dns: DnsStandIn, domain: string, options: DomainRecordsOptions) {
  dns.setTxt(domain, ['v=spf1 ip4:127.0.0.1 -all']);
  dns.setTxt(`_dmarc.${domain}`, ['v=DMARC1; p=quarantine; adkim=r; aspf=r']);
  for (const selector of options.selectors) {
    dns.setTxt(`${selector}._domainkey.${domain}`, [`v=DKIM1; k=rsa; p=${options.dkimPublicKey}`]);
  }
  dns.mx.set(domain.toLowerCase(), [{ exchange: `mx.${domain}`, priority: 10 }]);
  if (options.tracking) {
    dns.cname.set(`${options.tracking.host}.${domain}`.toLowerCase(), options.tracking.target);
  }
}
