/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. The one reading of the
 * header for every provider (Slack, n8n, Sentry, Anthropic, the `readJson` path). Returns
 * milliseconds to wait, never below 1 s, or `undefined` when the header is absent or unreadable
 * (each caller decides its own default).
 */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Math.max(1_000, Number(trimmed) * 1_000);
  // An HTTP-date names its weekday and zone (IMF-fixdate, or the obsolete RFC 850 / asctime
  // forms that `Date.parse` also reads); a bare number with a fraction or sign is not valid.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(1_000, at - now.getTime());
}

/** The same in whole seconds (rounded up), for APIs that speak seconds. */
export function retryAfterSeconds(value: string | null | undefined, now: Date): number | undefined {
  const ms = retryAfterMs(value, now);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
