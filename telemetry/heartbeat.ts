/**
 * Better Stack heartbeat ping: GET the heartbeat URL on success, `<url>/fail` on failure
 * (docs/providers/monitoring.md, "Better Stack heartbeats"). Best-effort: a short timeout and no throw, because
 * a monitoring blip must never fail the job it watches. No body is sent: an error message could
 * carry personal data.
 */
export async function pingHeartbeat(
  url: string,
  outcome: 'success' | 'failure',
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<'sent' | 'failed'> {
  const target = outcome === 'success' ? url : `${url.replace(/\/+$/, '')}/fail`;
  try {
    const response = await (options.fetch ?? fetch)(target, {
      method: 'GET',
      signal: AbortSignal.timeout(options.timeoutMs ?? 2_000),
    });
    // Drain so the keep-alive socket is released.
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? 'sent' : 'failed';
  } catch {
    return 'failed';
  }
}
