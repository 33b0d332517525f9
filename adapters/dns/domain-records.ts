import {
  checkDkimRecords,
  checkDmarcRecords,
  checkMxRecords,
  checkSpfRecords,
  checkTrackingCname,
  DOMAIN_RECORDS,
  type DomainRecord,
  type RecordCheck,
} from '../../core/onboarding.ts';
import type { DnsLookup } from './records.ts';

export interface DomainRecordsDeps {
  dns: DnsLookup;
  dkimSelectors: readonly string[];
  tracking: { host: string; target: string };
}

/**
 * The five records of a sending domain (SPF, DKIM, DMARC, MX, tracking CNAME) through the
 * configured resolver; `unknown` where DNS could not answer (or `giveUp` says stop asking).
 * Shared by the onboarding collector, `vigie diag domain` and `vigie domain recheck`.
 */
export async function checkDomainRecords(
  deps: DomainRecordsDeps,
  domain: string,
  options: { onError?: (error: unknown) => void; giveUp?: () => boolean } = {},
): Promise<Record<DomainRecord, RecordCheck>> {
  const read = async <T>(lookup: () => Promise<T>, check: (v: T) => RecordCheck) => {
    if (options.giveUp?.()) return 'unknown' as const;
    try {
      return check(await lookup());
    } catch (error) {
      options.onError?.(error);
      return 'unknown' as const;
    }
  };
  const result = Object.fromEntries(DOMAIN_RECORDS.map((r) => [r, 'unknown'])) as Record<
    DomainRecord,
    RecordCheck
  >;
  result.spf = await read(() => deps.dns.txt(domain), checkSpfRecords);
  result.dmarc = await read(() => deps.dns.txt(`_dmarc.${domain}`), checkDmarcRecords);
  result.dkim = 'fail';
  for (const selector of deps.dkimSelectors) {
    const r = await read(() => deps.dns.txt(`${selector}._domainkey.${domain}`), checkDkimRecords);
    if (r === 'pass') {
      result.dkim = 'pass';
      break;
    }
    if (r === 'unknown') result.dkim = 'unknown';
  }
  result.mx = await read(() => deps.dns.mx(domain), checkMxRecords);
  result.tracking = deps.tracking.target
    ? await read(
        () => deps.dns.cname(`${deps.tracking.host}.${domain}`),
        (targets) => checkTrackingCname(targets, deps.tracking.target),
      )
    : 'unknown';
  return result;
}
