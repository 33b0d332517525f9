import { Resolver } from 'node:dns/promises';

/**
 * TXT lookups through a configurable resolver (`DNS_RESOLVER`, e.g. `127.0.0.1:5353` for the
 * local stand-in; the system resolver when unset). NXDOMAIN / no data is an answer (`[]`);
 * SERVFAIL, refusal and timeouts are failures the caller reports as "could not read".
 */
export type TxtLookup = (name: string) => Promise<string[]>;

export function createTxtLookup(options: { server?: string; timeoutMs?: number } = {}): TxtLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2_000, tries: 2 });
  if (options.server) resolver.setServers([options.server]);
  return async (name) => {
    try {
      const records = await resolver.resolveTxt(name);
      return records.map((strings) => strings.join(''));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw error;
    }
  };
}
