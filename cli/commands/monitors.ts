import type { Command } from 'commander';
import { heartbeats, httpMonitors } from '../../core/catalog/monitors.ts';
import {
  heartbeatWorstCaseSeconds,
  UPTIME_ALERT_TARGET_SECONDS,
  worstCaseSecondsToAlert,
} from '../../core/uptime.ts';

/** One row per Better Stack monitor and heartbeat, with its computed worst case. */
export function monitorRows() {
  return [
    ...httpMonitors.map((m) => ({
      id: m.id,
      kind: 'http' as const,
      target: `$${m.baseUrlSetting}${m.path}`,
      checkFrequencySeconds: m.checkFrequencySeconds,
      confirmationPeriodSeconds: m.confirmationPeriodSeconds,
      requestTimeoutSeconds: m.requestTimeoutSeconds,
      worstCaseSecondsToAlert: worstCaseSecondsToAlert(m),
      withinTarget: worstCaseSecondsToAlert(m) <= UPTIME_ALERT_TARGET_SECONDS,
    })),
    ...heartbeats.map((h) => ({
      id: h.id,
      kind: 'heartbeat' as const,
      target: `collector ${h.collector}`,
      // A heartbeat has no checks: its "frequency" is the expected period, its confirmation the grace.
      checkFrequencySeconds: h.periodSeconds,
      confirmationPeriodSeconds: h.graceSeconds,
      requestTimeoutSeconds: null,
      worstCaseSecondsToAlert: heartbeatWorstCaseSeconds(h),
      withinTarget: null,
    })),
  ];
}

/** `vigie monitors list [--json]`: the Better Stack monitors and heartbeats of the catalog. */
export function register(program: Command): void {
  const group = program.command('monitors').description('Better Stack monitors and heartbeats');
  group
    .command('list')
    .description(
      'Every monitor and heartbeat with check frequency, confirmation period and worst-case time to alert',
    )
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => {
      const rows = monitorRows();
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (options.json) {
        out(JSON.stringify(rows, null, 2));
        return;
      }
      const fmt = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${s} s`);
      const width = Math.max(...rows.map((r) => r.id.length));
      out(`${'id'.padEnd(width)}  kind       every     confirm   timeout  worst case  target`);
      for (const r of rows) {
        out(
          `${r.id.padEnd(width)}  ${r.kind.padEnd(9)}  ${fmt(r.checkFrequencySeconds).padEnd(8)}  ${fmt(r.confirmationPeriodSeconds).padEnd(8)}  ${(r.requestTimeoutSeconds === null ? '-' : `${r.requestTimeoutSeconds} s`).padEnd(7)}  ${fmt(r.worstCaseSecondsToAlert).padEnd(10)}  ${r.target}`,
        );
      }
      out(
        `HTTP monitors alert within ${UPTIME_ALERT_TARGET_SECONDS} s at worst (check frequency + confirmation period + request timeout); heartbeats after period + grace.`,
      );
    });
}
