import { Resolver } from 'node:dns/promises';
import { createTxtLookup, type TxtLookup } from './txt.ts';

/**
 * MX and CNAME lookups through the same configurable resolver as TXT (`DNS_RESOLVER`). As for
 * TXT, NXDOMAIN / no data is an answer (`[]`); SERVFAIL, refusal and timeouts throw.
 */
export interface DnsLookup {
  txt: TxtLookup;
  mx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  cname(name: string): Promise<string[]>;
}

export function createDnsLookup(options: { server?: string; timeoutMs?: number } = {}): DnsLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2_000, tries: 2 });
  if (options.server) resolver.setServers([options.server]);
  const noData = <T>(error: unknown, empty: T): T => {
    const code = (error as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return empty;
    throw error;
  };
  return {
    txt: createTxtLookup(options),
    mx: (name) => resolver.resolveMx(name).catch((e: unknown) => noData(e, [])),
    cname: (name) => resolver.resolveCname(name).catch((e: unknown) => noData(e, [])),
  };
}
