import type { DrillJournal } from '../drills/types.ts';

/**
 * The readiness report: time to detect and recover per runbook, alert → runbook coverage, p95
 * against the thresholds, and the projected weekly support hours. Pure: data in, Markdown and
 * a self-contained HTML page (inline SVG charts, no scripts, no external requests) out.
 */
export interface Coverage {
  alert: string;
  severity: string;
  runbook: string;
  drilled: boolean;
}

export interface SmokeResult {
  name: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  thresholdP95Ms: number;
}

export interface PrivacyResult {
  ok: boolean;
  detail: string;
}

export interface AlertRate {
  family: string;
  /** Incidents over the replayed window. */
  incidents: number;
  days: number;
  /** Scales with the number of customers (per-customer data), or fixed (the platform's own). */
  perCustomer: boolean;
}

export interface SupportProjection {
  customers: number;
  incidentsPerWeek: number;
  hoursPerWeek: number;
}

export interface ReadinessInput {
  date: string;
  command: string;
  seededCustomers: number;
  journals: DrillJournal[];
  coverage: Coverage[];
  smoke: SmokeResult[];
  privacy: PrivacyResult;
  rates: AlertRate[];
  /** Minutes of a person per incident on top of the measured recovery (reading, diagnosing). */
  handlingMinutes: number;
  goalHoursPerWeek: number;
  notes: string[];
}

/** Weekly incidents × (handling time + measured mean recovery) at a number of customers. */
export function projectSupport(
  rates: readonly AlertRate[],
  seededCustomers: number,
  customers: number,
  handlingMinutes: number,
  meanRecoveryMs: number,
): SupportProjection {
  let perWeek = 0;
  for (const r of rates) {
    const weekly = (r.incidents / r.days) * 7;
    perWeek += r.perCustomer ? (weekly * customers) / seededCustomers : weekly;
  }
  const hoursPerIncident = (handlingMinutes * 60_000 + meanRecoveryMs) / 3_600_000;
  return {
    customers,
    incidentsPerWeek: round(perWeek, 2),
    hoursPerWeek: round(perWeek * hoursPerIncident, 2),
  };
}

export function renderMarkdown(input: ReadinessInput): string {
  const passed = input.journals.filter((j) => j.status === 'passed').length;
  const meanRecovery = mean(
    input.journals.flatMap((j) => (j.timeToRecoverMs === null ? [] : [j.timeToRecoverMs])),
  );
  const projections = [50, 100].map((n) =>
    projectSupport(input.rates, input.seededCustomers, n, input.handlingMinutes, meanRecovery),
  );
  const covered = input.coverage.filter((c) => c.runbook !== '').length;
  const drilledAlerts = input.coverage.filter((c) => c.drilled).length;
  const verdict =
    passed === input.journals.length &&
    input.privacy.ok &&
    input.smoke.every((s) => s.p95Ms <= s.thresholdP95Ms && s.errors === 0) &&
    projections.every((p) => p.hoursPerWeek < input.goalHoursPerWeek)
      ? 'READY'
      : 'NOT READY';
  const lines = [
    '# Readiness report',
    '',
    `Generated ${input.date} by \`${input.command}\` on a fresh local staging (${input.seededCustomers} seeded customers). **${verdict}**.`,
    '',
    '## Drills: time to detect and recover',
    '',
    `${passed} of ${input.journals.length} drills passed. Real times at the staging's compressed clock; staging-clock times are what the production schedules would give.`,
    '',
    '| runbook | fault | result | detect (real) | recover (real) | detect (staging clock) | recover (staging clock) | Slack links runbook |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...input.journals.map(
      (j) =>
        `| ${j.runbook} | ${j.fault} | ${j.status}${j.error ? ` (${j.error.replaceAll('|', '/').slice(0, 80)})` : ''} | ${secs(j.timeToDetectMs)} | ${secs(j.timeToRecoverMs)} | ${mins(j.stagingTimeToDetectMs)} | ${mins(j.stagingTimeToRecoverMs)} | ${j.slackLinksRunbook === null ? 'n/a' : j.slackLinksRunbook ? 'yes' : 'no'} |`,
    ),
    '',
    '## Alert → runbook coverage',
    '',
    `${covered} of ${input.coverage.length} alerts name a runbook; ${drilledAlerts} are raised by a drill.`,
    '',
    '| alert | severity | runbook | drilled |',
    '| --- | --- | --- | --- |',
    ...input.coverage.map(
      (c) => `| \`${c.alert}\` | ${c.severity} | ${c.runbook} | ${c.drilled ? 'yes' : 'no'} |`,
    ),
    '',
    '## Privacy',
    '',
    `${input.privacy.ok ? 'PASS' : 'FAIL'}: ${input.privacy.detail}`,
    '',
    '## Load smoke: p95 against the thresholds',
    '',
    '| check | requests | errors | p50 | p95 | threshold p95 | result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...input.smoke.map(
      (s) =>
        `| ${s.name} | ${s.requests} | ${s.errors} | ${s.p50Ms} ms | ${s.p95Ms} ms | ${s.thresholdP95Ms} ms | ${s.p95Ms <= s.thresholdP95Ms && s.errors === 0 ? 'pass' : 'FAIL'} |`,
    ),
    '',
    '## Projected weekly support hours',
    '',
    `Alert rates replayed over the seeded ${input.rates[0]?.days ?? 90} days, × (${input.handlingMinutes} min of a person per incident + the drills' mean measured recovery, ${secs(meanRecovery)}), against the goal of under ${input.goalHoursPerWeek} h/week.`,
    '',
    '| family | incidents | days | scales with customers |',
    '| --- | --- | --- | --- |',
    ...input.rates.map(
      (r) => `| ${r.family} | ${r.incidents} | ${r.days} | ${r.perCustomer ? 'yes' : 'no'} |`,
    ),
    '',
    '| customers | incidents / week | hours / week | goal |',
    '| --- | --- | --- | --- |',
    ...projections.map(
      (p) =>
        `| ${p.customers} | ${p.incidentsPerWeek} | ${p.hoursPerWeek} | ${p.hoursPerWeek < input.goalHoursPerWeek ? 'under' : 'OVER'} ${input.goalHoursPerWeek} h |`,
    ),
    '',
    ...(input.notes.length > 0 ? ['## Notes', '', ...input.notes.map((n) => `- ${n}`), ''] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderHtml(input: ReadinessInput): string {
  const md = renderMarkdown(input);
  const detect = input.journals.map((j) => ({
    label: j.runbook,
    value: (j.timeToDetectMs ?? 0) / 1000,
  }));
  const recover = input.journals.map((j) => ({
    label: j.runbook,
    value: (j.timeToRecoverMs ?? 0) / 1000,
  }));
  const p95 = input.smoke.map((s) => ({ label: s.name, value: s.p95Ms, limit: s.thresholdP95Ms }));
  const meanRecovery = mean(
    input.journals.flatMap((j) => (j.timeToRecoverMs === null ? [] : [j.timeToRecoverMs])),
  );
  const hours = [50, 100].map((n) => {
    const p = projectSupport(
      input.rates,
      input.seededCustomers,
      n,
      input.handlingMinutes,
      meanRecovery,
    );
    return { label: `${n} customers`, value: p.hoursPerWeek, limit: input.goalHoursPerWeek };
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigie readiness report ${esc(input.date)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1,h2{font-weight:600} table{border-collapse:collapse;margin:1rem 0;width:100%} td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;font-size:13px}
figure{margin:1rem 0} figcaption{font-size:13px;color:#59636e} svg text{font:12px system-ui,sans-serif;fill:#1f2328}
</style></head><body>
<h1>Vigie readiness report</h1>
<p>${esc(md.split('\n')[2] ?? '')}</p>
<h2>Time to detect and recover per runbook</h2>
${barChart('chart-detect', 'Time to detect (real seconds)', detect)}
${barChart('chart-recover', 'Time to recover (real seconds)', recover)}
<h2>p95 against the thresholds</h2>
${barChart('chart-p95', 'p95 (ms); the line is the threshold', p95)}
<h2>Projected weekly support hours</h2>
${barChart('chart-hours', `Hours per week; the line is the goal (${input.goalHoursPerWeek} h)`, hours)}
<h2>Details</h2>
${markdownTables(md)}
</body></html>
`;
}

interface Bar {
  label: string;
  value: number;
  limit?: number;
}

/** A horizontal bar chart as inline SVG, each value printed beside its bar. */
export function barChart(id: string, title: string, bars: readonly Bar[]): string {
  const width = 640;
  const left = 180;
  const row = 26;
  const height = bars.length * row + 20;
  const max = Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.limit ?? 0))) * 1.15;
  const x = (v: number) => left + (v / max) * (width - left - 60);
  const items = bars
    .map((b, i) => {
      const y = 10 + i * row;
      const over = b.limit !== undefined && b.value > b.limit;
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>
<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(b.value) - left).toFixed(1)}" height="16" fill="${over ? '#cf222e' : '#0969da'}"><title>${esc(b.label)}: ${fmt(b.value)}</title></rect>
<text x="${(x(b.value) + 6).toFixed(1)}" y="${y + 15}">${fmt(b.value)}</text>${
        b.limit === undefined
          ? ''
          : `\n<line x1="${x(b.limit).toFixed(1)}" x2="${x(b.limit).toFixed(1)}" y1="${y}" y2="${y + 22}" stroke="#1f2328" stroke-dasharray="3 2"/>`
      }`;
    })
    .join('\n');
  return `<figure id="${id}"><svg role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${items}</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

/** The Markdown's tables and headings as HTML (the subset `renderMarkdown` writes). */
function markdownTables(md: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 3; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) out.push(`<h3>${esc(line.slice(3))}</h3>`);
    else if (line.startsWith('| ')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) {
        if (!/^\|\s*---/.test(lines[i]!))
          rows.push(
            lines[i]!.slice(1, -1)
              .split(' | ')
              .map((c) => c.trim()),
          );
        i++;
      }
      const [head, ...body] = rows;
      out.push(
        `<table><thead><tr>${(head ?? []).map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    } else if (line.startsWith('- ')) out.push(`<p>• ${inline(line.slice(2))}</p>`);
    else if (line.trim() !== '') out.push(`<p>${inline(line)}</p>`);
  }
  return out.join('\n');
}

function inline(text: string): string {
  return esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function secs(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

function mins(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 60_000).toFixed(1)} min`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
