/**
 * A local authoritative DNS stand-in for TXT lookups (SPF, `_dmarc`, DKIM `<selector>._domainkey`),
 * MX (bounces' return path) and CNAME (the click-tracking host),
 * over UDP with `dns2` (RFC 1035 wire format; TXT RDATA as length-prefixed strings of ≤255
 * octets, §3.3.14). Point `node:dns` `Resolver.setServers(['127.0.0.1:PORT'])` at it.
 * Names not in the zone answer NXDOMAIN. Faults: `servfail` answers SERVFAIL to everything,
 * `no-answer` drops queries so the resolver times out.
 */
import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;

export interface DnsFaults {
  mode: 'none' | 'servfail' | 'no-answer';
}

export interface DnsStandIn {
  /** `127.0.0.1:PORT`, ready for `Resolver.setServers`. */
  address: string;
  faults: DnsFaults;
  /** Lower-case name → TXT records; each record is one or more strings. */
  zone: Map<string, string[][]>;
  /** Sets a name's TXT records, splitting long ones into 255-octet strings as DNS requires. */
  setTxt(name: string, records: string[]): void;
  /** Lower-case name → MX records. */
  mx: Map<string, Array<{ exchange: string; priority: number }>>;
  /** Lower-case name → CNAME target. */
  cname: Map<string, string>;
  /** Removes every record of a name (a drill's "DNS record removed"). */
  remove(name: string): void;
  close(): Promise<void>;
}

export async function startDnsStandIn(): Promise<DnsStandIn> {
  const zone = new Map<string, string[][]>();
  const mx = new Map<string, Array<{ exchange: string; priority: number }>>();
  const cname = new Map<string, string>();
  const faults: DnsFaults = { mode: 'none' };
  const server = dns2.createUDPServer((request, send) => {
    if (faults.mode === 'no-answer') return;
    const [question] = request.questions;
    if (faults.mode === 'servfail' || !question) {
      void send(Packet.createErrorResponseFromRequest(request, Packet.RCODE.SERVFAIL));
      return;
    }
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const records = zone.get(name);
    const exchanges = mx.get(name);
    const alias = cname.get(name);
    if (!records && !exchanges && alias === undefined) {
      void send(Packet.createErrorResponseFromRequest(request, Packet.RCODE.NXDOMAIN));
      return;
    }
    const response = Packet.createResponseFromRequest(request);
    // A name that exists but has no record of the asked type answers NOERROR, no data.
    if (alias !== undefined && question.type === Packet.TYPE.CNAME) {
      response.answers.push({
        name: question.name,
        type: Packet.TYPE.CNAME,
        class: Packet.CLASS.IN,
        ttl: 60,
        domain: alias,
      } as never);
    }
    if (exchanges && question.type === Packet.TYPE.MX) {
      for (const { exchange, priority } of exchanges) {
        response.answers.push({
          name: question.name,
          type: Packet.TYPE.MX,
          class: Packet.CLASS.IN,
          ttl: 60,
          exchange,
          priority,
        } as never);
      }
    }
    if (records && question.type === Packet.TYPE.TXT) {
      for (const data of records) {
        response.answers.push({
          name: question.name,
          type: Packet.TYPE.TXT,
          class: Packet.CLASS.IN,
          ttl: 60,
          data,
        } as never);
      }
    }
    void send(response);
  });
  await server.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    faults,
    zone,
    mx,
    cname,
    remove(name) {
      const key = name.toLowerCase();
      zone.delete(key);
      mx.delete(key);
      cname.delete(key);
    },
    setTxt(name, records) {
      zone.set(
        name.toLowerCase(),
        records.map((r) => r.match(/.{1,255}/gs) ?? ['']),
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
