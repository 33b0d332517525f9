import { describe, expect, it } from 'vitest';
import { collectors } from '../../core/catalog/collectors.ts';
import { monitorRows } from './monitors.ts';

describe('vigie monitors list', () => {
  it('lists every HTTP monitor within the 2-minute target and one heartbeat per collector', () => {
    const rows = monitorRows();
    const http = rows.filter((r) => r.kind === 'http');
    expect(http.map((r) => r.id)).toEqual(['app-readyz', 'n8n-webhook-host', 'frontend']);
    for (const r of http) {
      expect(r.worstCaseSecondsToAlert).toBe(
        r.checkFrequencySeconds + r.confirmationPeriodSeconds + (r.requestTimeoutSeconds ?? 0),
      );
      expect(r.withinTarget).toBe(true);
    }
    expect(rows.filter((r) => r.kind === 'heartbeat')).toHaveLength(collectors.length);
  });
});
