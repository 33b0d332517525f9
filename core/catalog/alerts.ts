import type { AlertDefinition } from './types.ts';

/**
 * Every alert the system can raise, even before its producer exists. Labels are ids and numbers
 * only (never names, emails, URLs or message bodies): `core/alerting/labels.ts` enforces it.
 * `critical` → Slack + email, `warning` → Slack, `info` → recorded only. Tests check each alert
 * names an existing runbook and that every runbook answers at least one alert.
 */
export const alerts = [
  // Uptime (Better Stack monitors and heartbeats, the app's readiness probe).
  {
    id: 'uptime-monitor-down',
    severity: 'critical',
    summary: 'An HTTP endpoint is down',
    description: 'Monitor {monitorId} is down (Better Stack incident {incidentId}).',
    runbook: 'uptime',
    dedupKey: '{monitorId}',
    route: 'slack+email',
  },
  {
    id: 'readyz-degraded',
    severity: 'warning',
    summary: 'The app is up but a dependency is failing its readiness check',
    description: 'Readiness check {check} failed {failures} times in a row.',
    runbook: 'uptime',
    dedupKey: '{check}',
    route: 'slack',
    // Raised again at every health refresh (5 s by default) while the check fails: news only
    // after about 5 minutes, 30 minutes and 1 hour of failing at that refresh, then the 4-hourly
    // reminder.
    updates: { label: 'failures', worse: 'higher', steps: [60, 360, 720] },
  },
  {
    id: 'heartbeat-missed',
    severity: 'warning',
    summary: 'A scheduled collector stopped reporting',
    description: 'Heartbeat {heartbeatId} got no ping for {minutesLate} minutes past its period.',
    runbook: 'collectors',
    dedupKey: '{heartbeatId}',
    route: 'slack',
    updates: { label: 'minutesLate', worse: 'higher', steps: [60, 240, 1_440] },
  },
  {
    id: 'collector-degraded',
    severity: 'warning',
    summary: 'A collector ran but could not read one of its sources',
    description: 'Collector {collector} could not read {source} ({errorCode}).',
    runbook: 'collectors',
    dedupKey: '{collector}:{source}',
    route: 'slack',
    // Re-raised by every run while the source stays unreadable: the first page and the 4-hourly
    // reminder say it; each run is not news.
    updates: 'none',
  },
  // AWS (CloudWatch alarms through SNS to `POST /hooks/aws/sns`; label `alarm` is its name).
  {
    id: 'collector-lambda-alarm',
    severity: 'warning',
    summary: 'A collector function is failing in AWS',
    description:
      'CloudWatch alarm {alarm} fired: errors, throttles, dead-lettered runs or runs near the timeout.',
    runbook: 'collectors',
    dedupKey: '{alarm}',
    route: 'slack',
  },
  {
    id: 'api-alarm',
    severity: 'critical',
    summary: 'The privacy API is failing or slow',
    description: 'CloudWatch alarm {alarm} fired: 5xx rate or p95 latency over its threshold.',
    runbook: 'uptime',
    dedupKey: '{alarm}',
    route: 'slack+email',
  },
  // Sentry.
  {
    id: 'sentry-error-spike',
    severity: 'critical',
    summary: 'Error rate spiked',
    description: '{events} error events in {windowMinutes} minutes in project {projectId}.',
    runbook: 'sentry-errors',
    dedupKey: '{projectId}',
    route: 'slack+email',
  },
  {
    id: 'sentry-new-issue',
    severity: 'warning',
    summary: 'A new kind of error appeared',
    description: 'New Sentry issue {issueId} in project {projectId}.',
    runbook: 'sentry-errors',
    dedupKey: '{issueId}',
    route: 'slack',
  },
  // n8n.
  {
    id: 'n8n-failure-rate-high',
    severity: 'warning',
    summary: 'n8n executions are failing above the threshold',
    description:
      'Workflow {workflowId}: {failed} of {finished} executions failed in the last hour ({ratePercent}%).',
    runbook: 'n8n-failures',
    dedupKey: '{workflowId}',
    route: 'slack',
    // Every 15-minute run re-raises a failing workflow: news only when its rate passed a further
    // step (the threshold is 10 %); the 4-hourly reminder covers a rate that stays put.
    updates: { label: 'ratePercent', worse: 'higher', steps: [25, 50, 100] },
  },
  {
    id: 'n8n-unreachable',
    severity: 'critical',
    summary: 'n8n does not answer',
    description: 'The n8n API answered {errorCode} for {minutes} minutes.',
    runbook: 'n8n-failures',
    dedupKey: 'n8n',
    route: 'slack+email',
    updates: { label: 'minutes', worse: 'higher', steps: [15, 60, 240] },
  },
  {
    id: 'n8n-error-hook-received',
    severity: 'info',
    summary: 'An n8n execution failed (Error Trigger)',
    description: 'Workflow {workflowId} execution {executionId} failed.',
    runbook: 'n8n-failures',
    dedupKey: '{workflowId}',
    route: 'none',
  },
  // Cost.
  {
    id: 'cost-projected-over-budget',
    severity: 'warning',
    summary: 'Projected month-end spend passes 80% of a budget',
    description:
      '{service}: projected {projectedUsd} USD against a budget of {budgetUsd} USD ({percent}%).',
    runbook: 'cost-overrun',
    dedupKey: '{service}:{month}',
    route: 'slack',
  },
  {
    id: 'cost-over-budget',
    severity: 'critical',
    summary: 'Actual spend reached a budget',
    description: '{service}: {actualUsd} USD spent this month against a budget of {budgetUsd} USD.',
    runbook: 'cost-overrun',
    dedupKey: '{service}:{month}',
    route: 'slack+email',
  },
  {
    id: 'anthropic-spend-cap-reached',
    severity: 'critical',
    summary: 'Anthropic spend cap reached: enrichment has stopped',
    description: 'The Anthropic API refused requests for the spend cap ({errorCode}).',
    runbook: 'cost-overrun',
    dedupKey: 'anthropic',
    route: 'slack+email',
    // Raised again by each instance's recheck (every 5 minutes) and each daily probe while the
    // cap holds: the same fact, left to the 4-hourly reminder.
    updates: 'none',
  },
  // Deliverability.
  {
    id: 'deliverability-domain-red',
    severity: 'critical',
    summary: 'A sending domain turned red',
    description:
      'Sending domain {domain} is red: {signal} failed (bounce {bouncePercent}%, complaint {complaintPercent}% over {window}). A company sending domain, not personal data.',
    runbook: 'deliverability',
    dedupKey: '{sendingDomainId}',
    route: 'slack+email',
    // Re-raised hourly while the domain stays red: not news until the 4-hourly reminder.
    updates: 'none',
  },
  {
    id: 'deliverability-auth-failing',
    severity: 'warning',
    summary: 'SPF, DKIM or DMARC is failing for a sending domain',
    description: 'Sending domain {domain}: {mechanism} check failed ({result}).',
    runbook: 'deliverability',
    dedupKey: '{sendingDomainId}:{mechanism}',
    route: 'slack',
    // Re-raised hourly while the record stays wrong.
    updates: 'none',
  },
  // Privacy.
  {
    id: 'erasure-overdue',
    severity: 'critical',
    summary: 'An erasure request is overdue or stuck',
    description:
      'Erasure request {erasureRequestId} is {ageHours} hours old, stuck at step {step}.',
    runbook: 'privacy-erasure',
    dedupKey: '{erasureRequestId}',
    route: 'slack+email',
    // Re-raised every 5 minutes: news when the request has been stuck a day, a week, then 7 days
    // before and at the one-month Art. 12 deadline.
    updates: { label: 'ageHours', worse: 'higher', steps: [24, 168, 552, 720] },
  },
  {
    id: 'erasure-verification-failed',
    severity: 'critical',
    summary: 'Data was found after an erasure completed',
    description:
      'Erasure request {erasureRequestId}: verification found {remaining} rows in {store}.',
    runbook: 'privacy-erasure',
    dedupKey: '{erasureRequestId}',
    route: 'slack+email',
    // Re-raised every 5 minutes while the rows are still there.
    updates: 'none',
  },
  {
    id: 'retention-purge-failed',
    severity: 'warning',
    summary: 'The retention purge failed',
    description: 'Retention purge of {dataset} failed ({errorCode}).',
    runbook: 'privacy-erasure',
    dedupKey: '{dataset}',
    route: 'slack',
  },
  {
    id: 'audit-chain-broken',
    severity: 'critical',
    summary: 'The audit log hash chain is broken',
    description:
      'Audit log chain {chainId} fails verification at position {seq} ({reason}); {breaks} break(s) in all.',
    runbook: 'audit-chain',
    dedupKey: 'audit-log',
    route: 'slack+email',
    // Re-raised hourly while broken: news when the run finds more breaks than before.
    updates: { label: 'breaks', worse: 'higher', steps: [2, 3, 5, 10, 100] },
  },
  // Onboarding (collectors/onboarding).
  {
    id: 'onboarding-domain-unverified',
    severity: 'warning',
    summary: 'A sending domain is still not verified after sign-up',
    description:
      'Sending domain {domain} has been unverified for {hours} hours: {missing} missing. A company sending domain, not personal data.',
    runbook: 'onboarding',
    dedupKey: '{sendingDomainId}',
    route: 'slack',
    // Re-raised hourly: news on the second, third and seventh day unverified.
    updates: { label: 'hours', worse: 'higher', steps: [48, 72, 168] },
  },
  {
    id: 'onboarding-calendar-failing',
    severity: 'warning',
    summary: 'A calendar connection stopped working',
    description:
      'Calendar connection {calendarConnectionId} ({provider}) of user {userId}: {problem}.',
    runbook: 'onboarding',
    dedupKey: '{calendarConnectionId}',
    route: 'slack',
    // Re-raised hourly while the connection keeps failing.
    updates: 'none',
  },
  // Database health (collectors/db-health).
  {
    id: 'db-connections-exhausted',
    severity: 'critical',
    summary: 'Database connections are near their limit: the pool is exhausted',
    description: '{inUse} of {limit} {scope} connections in use ({percent}%).',
    runbook: 'database-performance',
    dedupKey: 'connections:{scope}',
    route: 'slack+email',
    updates: { label: 'percent', worse: 'higher', steps: [90, 95, 100] },
  },
  {
    id: 'db-session-blocked',
    severity: 'critical',
    summary: 'A database session has been blocked by a lock for too long',
    description:
      'Backend {blockedPid} has waited {waitSeconds} s on a lock held by backend {blockingPid}.',
    runbook: 'database-performance',
    dedupKey: 'blocking:{blockingPid}',
    route: 'slack+email',
    updates: { label: 'waitSeconds', worse: 'higher', steps: [120, 600, 3_600] },
  },
  {
    id: 'db-long-transaction',
    severity: 'warning',
    summary: 'A database transaction has been open for too long',
    description: 'Backend {pid} has had a transaction open for {seconds} s ({state}).',
    runbook: 'database-performance',
    dedupKey: 'xact:{pid}',
    route: 'slack',
    updates: { label: 'seconds', worse: 'higher', steps: [900, 3_600, 14_400] },
  },
  {
    id: 'db-slow-statement',
    severity: 'warning',
    summary: 'A statement got much slower than its own baseline',
    description:
      'Statement {queryId}: {meanMs} ms per call over {calls} calls, baseline {baselineMs} ms.',
    runbook: 'database-performance',
    dedupKey: 'statement:{queryId}',
    route: 'slack',
    updates: 'none',
  },
  {
    id: 'db-seq-scan-heavy',
    severity: 'warning',
    summary: 'A big table is being read by sequential scans (missing index?)',
    description: 'Table {table} ({rows} rows): {seqScans} sequential scans since the last check.',
    runbook: 'database-performance',
    dedupKey: 'seqscan:{table}',
    route: 'slack',
    updates: 'none',
  },
  {
    id: 'db-cache-hit-low',
    severity: 'warning',
    summary: 'The database cache-hit ratio fell below 99%',
    description: 'The {kind} cache-hit ratio is {percent}%.',
    runbook: 'database-performance',
    dedupKey: 'cache:{kind}',
    route: 'slack',
    updates: { label: 'percent', worse: 'lower', steps: [95, 90, 80] },
  },
  {
    id: 'db-index-unused',
    severity: 'info',
    summary: 'An index has never been used',
    description: 'Index {index} ({sizeMb} MB) has no scans since statistics were reset.',
    runbook: 'database-performance',
    dedupKey: 'unused:{index}',
    route: 'none',
    // Not paged (route none); a level read every 5 minutes.
    updates: 'none',
  },
  // The alert path itself.
  {
    id: 'slack-webhook-dead',
    severity: 'critical',
    summary: 'Slack no longer accepts alerts: the webhook is dead',
    description:
      'Webhook {channel} answered HTTP {status} {code}; alerts wait in the outbox until it is fixed.',
    runbook: 'alert-delivery',
    dedupKey: '{channel}',
    route: 'slack+email',
    // Re-raised each minute the webhook stays dead: the first page (by email) is the news.
    updates: 'none',
  },
  {
    id: 'alert-dead-letters-present',
    severity: 'warning',
    summary: 'An alert could not be delivered and was dead-lettered',
    description: 'Outbox row {outboxId} was refused by Slack with HTTP {status} {code}.',
    runbook: 'alert-delivery',
    dedupKey: '{channel}',
    route: 'slack',
    // Each raise is another message Slack refused: news.
    updates: 'count',
  },
  {
    id: 'alert-probe-failed',
    severity: 'warning',
    summary: 'The daily alert-path probe did not get through',
    description: 'Probe of webhook {channel} failed: {code}.',
    runbook: 'alert-delivery',
    dedupKey: '{channel}',
    // Email too: the probe failing means Slack, the usual route, may be what is broken.
    route: 'slack+email',
    // One probe a day: each failure is news.
    updates: 'count',
  },
] as const satisfies readonly AlertDefinition[];

export type AlertId = (typeof alerts)[number]['id'];
