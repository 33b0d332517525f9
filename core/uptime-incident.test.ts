import { describe, expect, it } from 'vitest';
import { betterStackIncidentPayload, incidentAction } from './uptime-incident.ts';

/** An incident as Better Stack's incident webhook sends it (the Uptime API's incident resource). */
function incidentPayload(
  overrides: {
    relationships?: Record<string, unknown>;
    attributes?: Record<string, unknown>;
  } = {},
) {
  return {
    data: {
      id: '417352',
      type: 'incident',
      attributes: {
        name: 'Vigie staging App readiness',
        url: 'https://api.staging.vigie.example/readyz',
        http_method: 'get',
        cause: 'Status 503',
        incident_group_id: null,
        started_at: '2026-11-30T10:00:00.000Z',
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        status: 'Started',
        team_name: 'Vigie',
        response_content: '{"status":"not_ready"}',
        regions: ['us', 'eu'],
        ...overrides.attributes,
      },
      relationships: overrides.relationships ?? {
        monitor: { data: { id: '2041', type: 'monitor' } },
      },
    },
  };
}

const NOW = new Date('2026-11-30T10:01:00Z');
const parse = (p: unknown) => betterStackIncidentPayload.parse(p);

describe('incidentAction', () => {
  it('raises uptime-monitor-down for a started monitor incident, with ids only', () => {
    expect(incidentAction(parse(incidentPayload()), NOW)).toEqual({
      kind: 'raise',
      alertId: 'uptime-monitor-down',
      labels: { monitorId: '2041', incidentId: '417352' },
      at: new Date('2026-11-30T10:00:00.000Z'),
    });
  });

  it('raises heartbeat-missed with the minutes past the period (catalog grace + delivery delay)', () => {
    const payload = incidentPayload({
      attributes: { name: 'Vigie staging Collector cost', status: 'Started' },
      relationships: { heartbeat: { data: { id: '88', type: 'heartbeat' } } },
    });
    // cost runs daily: grace is 20% of a day = 288 minutes; the delivery came 1 minute later.
    expect(incidentAction(parse(payload), NOW)).toMatchObject({
      kind: 'raise',
      alertId: 'heartbeat-missed',
      labels: { heartbeatId: '88', minutesLate: 289 },
    });
  });

  it('resolves on resolution, and leaves an acknowledgement alone', () => {
    // Delivered once resolved: the clock reads past the resolution (a future one is refused).
    const after = new Date('2026-11-30T10:21:00Z');
    const resolved = incidentPayload({
      attributes: { resolved_at: '2026-11-30T10:20:00.000Z', status: 'Resolved' },
    });
    expect(incidentAction(parse(resolved), after)).toEqual({
      kind: 'resolve',
      alertId: 'uptime-monitor-down',
      labels: { monitorId: '2041' },
      at: new Date('2026-11-30T10:20:00.000Z'),
    });
    const acknowledged = incidentPayload({
      attributes: { acknowledged_at: '2026-11-30T10:05:00.000Z', status: 'Acknowledged' },
    });
    expect(incidentAction(parse(acknowledged), after)).toEqual({
      kind: 'ignore',
      reason: 'acknowledged',
    });
  });

  it('refuses an incident dated more than 5 minutes ahead of now, naming the field', () => {
    const future = incidentPayload({
      attributes: { resolved_at: '2026-11-30T10:20:00.000Z', status: 'Resolved' },
    });
    expect(() => incidentAction(parse(future), NOW)).toThrow(/resolved_at is in the future/);
  });

  it('ignores an incident opened by hand (no monitor or heartbeat)', () => {
    expect(incidentAction(parse(incidentPayload({ relationships: {} })), NOW)).toMatchObject({
      kind: 'ignore',
    });
  });

  it('refuses what is not an incident, naming the fields', () => {
    const result = betterStackIncidentPayload.safeParse({
      data: { id: '1', type: 'monitor', attributes: { started_at: 'yesterday' } },
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'data.attributes.started_at',
      'data.type',
    ]);
  });
});
