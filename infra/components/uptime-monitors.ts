import * as pulumi from '@pulumi/pulumi';
import type { HeartbeatDefinition, HttpMonitorDefinition } from '../../core/catalog/monitors.ts';
import { BetterStackResource } from '../providers/betterstack-resource.ts';

export interface UptimeMonitorsArgs {
  /** @example "prod" */
  stage: string;
  /** The catalog's HTTP monitors (`core/catalog/monitors.ts`). */
  monitors: readonly HttpMonitorDefinition[];
  /** The catalog's heartbeats, one per collector. */
  heartbeats: readonly HeartbeatDefinition[];
  /** Base URL per monitored setting (`APP_PUBLIC_URL` …), from the stack's config. */
  baseUrls: Partial<Record<HttpMonitorDefinition['baseUrlSetting'], pulumi.Input<string>>>;
  statusPage: { subdomain: string; companyName: string; companyUrl: string; timezone: string };
  /**
   * Where incidents go: `POST /hooks/betterstack/incidents/<token>` on the API (a Pulumi
   * secret: the token authenticates Better Stack). Better Stack signs nothing.
   */
  incidentWebhookUrl: pulumi.Input<string>;
}

/**
 * Better Stack: an incident webhook into Vigie's alert router, one escalation policy that
 * calls it (and, as a fallback when the API itself is down, the whole team), every catalog
 * monitor and heartbeat on it with the catalog's timing (the worst case `vigie monitors list`
 * proves), and a status page showing the HTTP monitors. Names carry the stage so staging and prod share a team without adopting
 * each other's monitors.
 */
export class UptimeMonitors extends pulumi.ComponentResource {
  readonly incidentWebhook: BetterStackResource;
  readonly policy: BetterStackResource;
  readonly monitors: Record<string, BetterStackResource>;
  readonly heartbeats: Record<string, BetterStackResource>;
  /** Collector name → its heartbeat's ping URL (what the function's `HEARTBEAT_URL_*` gets). */
  readonly heartbeatUrls: Record<string, pulumi.Output<string>>;
  readonly statusPage: BetterStackResource;

  constructor(name: string, args: UptimeMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:betterstack:UptimeMonitors', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };
    const label = (text: string) => `Vigie ${args.stage}: ${text}`;

    const incidentWebhook = createIncidentWebhook();
    const policy = createPolicy();
    const policyId = policy.id.apply((id) => Number(id));
    const monitors = createMonitors();
    const heartbeats = createHeartbeats();
    const statusPage = createStatusPage();
    attachMonitors();

    this.incidentWebhook = incidentWebhook;
    this.policy = policy;
    this.monitors = monitors;
    this.heartbeats = heartbeats;
    this.statusPage = statusPage;
    this.heartbeatUrls = Object.fromEntries(
      Object.entries(heartbeats).map(([collector, h]) => [
        collector,
        h.remote.apply((r) => String(r.url ?? '')),
      ]),
    );
    this.registerOutputs({ policyId: policy.id, statusPageId: statusPage.id });

    function createIncidentWebhook() {
      return new BetterStackResource(
        `${name}IncidentWebhook`,
        {
          kind: 'outgoing-webhook',
          attributes: {
            name: label('incidents to the alert router'),
            url: args.incidentWebhookUrl,
            trigger_type: 'incident_change',
            on_incident_started: true,
            on_incident_reopened: true,
            on_incident_resolved: true,
            // An acknowledgement changes nothing in the outbox; comments are free text.
            on_incident_acknowledged: false,
            on_incident_comment: false,
            // The policy below calls it; not a second time alongside it.
            notify_alongside_primary_responder: false,
          },
        },
        // The URL carries the token: encrypted in the state, masked in previews.
        { ...child, additionalSecretOutputs: ['attributes', 'remote'] },
      );
    }

    function createPolicy() {
      // Vigie's router first (Slack through the outbox, dedup and pacing like every alert);
      // the whole team through Better Stack's own channels as well, since the router lives
      // behind the API an incident may be about.
      return new BetterStackResource(
        `${name}Policy`,
        {
          kind: 'policy',
          attributes: {
            name: label('uptime incidents'),
            repeat_count: 3,
            repeat_delay: 600,
            steps: incidentWebhook.id.apply((webhookId) => [
              {
                type: 'escalation',
                wait_before: 0,
                step_members: [{ type: 'webhook', id: Number(webhookId) }, { type: 'entire_team' }],
              },
            ]),
          },
        },
        child,
      );
    }

    function createMonitors() {
      return Object.fromEntries(
        args.monitors.map((m) => {
          const base = args.baseUrls[m.baseUrlSetting];
          if (base === undefined) {
            throw new Error(`monitor ${m.id} needs vigie:${m.baseUrlSetting} in the stack config`);
          }
          return [
            m.id,
            new BetterStackResource(
              `${name}-${m.id}`,
              {
                kind: 'monitor',
                attributes: {
                  pronounceable_name: label(m.name),
                  url: pulumi.interpolate`${base}${m.path}`,
                  monitor_type: m.monitorType,
                  check_frequency: m.checkFrequencySeconds,
                  confirmation_period: m.confirmationPeriodSeconds,
                  recovery_period: m.recoveryPeriodSeconds,
                  request_timeout: m.requestTimeoutSeconds,
                  regions: [...m.regions],
                  policy_id: policyId,
                },
              },
              child,
            ),
          ];
        }),
      );
    }

    function createHeartbeats() {
      return Object.fromEntries(
        args.heartbeats.map((h) => [
          h.collector,
          new BetterStackResource(
            `${name}-${h.id}`,
            {
              kind: 'heartbeat',
              attributes: {
                name: label(h.name),
                period: h.periodSeconds,
                grace: h.graceSeconds,
                policy_id: policyId,
              },
            },
            child,
          ),
        ]),
      );
    }

    function createStatusPage() {
      return new BetterStackResource(
        `${name}StatusPage`,
        {
          kind: 'status-page',
          attributes: {
            subdomain: args.statusPage.subdomain,
            company_name: args.statusPage.companyName,
            company_url: args.statusPage.companyUrl,
            timezone: args.statusPage.timezone,
          },
        },
        child,
      );
    }

    function attachMonitors() {
      for (const [id, monitor] of Object.entries(monitors)) {
        new BetterStackResource(
          `${name}-${id}-on-status-page`,
          {
            kind: 'status-page-resource',
            parentId: statusPage.id,
            attributes: {
              resource_id: monitor.id.apply((v) => Number(v)),
              resource_type: 'Monitor',
              public_name: args.monitors.find((m) => m.id === id)!.name,
            },
          },
          child,
        );
      }
    }
  }
}
