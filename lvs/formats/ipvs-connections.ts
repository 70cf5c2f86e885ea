// Parser for `ipvsadm -Lcn` (the kernel's connection table, /proc/net/ip_vs_conn as
// ipvsadm prints it): a title line, a header line, then one line per entry:
//   TCP 00:45  FIN_WAIT    10.0.0.200:49914   10.0.0.100:80      10.0.0.12:80
// A persistence template has client port 0 (`NONE 10.0.0.200:0 10.0.0.100:0 …`); a
// firewall-mark template has protocol IP and the mark written as the virtual address
// (`IP 05:58 NONE 10.0.0.200:0 0.0.0.1:0 10.0.0.12:0` is mark 1), as captured in the lab.
import { IpvsOutputError } from './ipvs-stats';

export interface Endpoint {
  address: string;
  port: number;
}

export interface ConnectionEntry {
  /** "TCP", "UDP", "SCTP", or "IP" for a firewall-mark template */
  protocol: string;
  expiresSeconds: number;
  /** "ESTABLISHED", "FIN_WAIT", "SYN_RECV", "NONE", "ASSURED", … */
  state: string;
  client: Endpoint;
  virtual: Endpoint;
  /** set for a firewall-mark template: the mark ipvsadm shows as the virtual address */
  fwmark?: number;
  destination: Endpoint;
  /** a persistence template (client port 0): it pins the client (or its netmask) to the destination */
  template: boolean;
}

export interface ConnectionFilter {
  client?: string;
  vip?: string;
  realserver?: string;
  /** at most this many entries; the rest are not returned */
  limit: number;
}

export const DEFAULT_CONNECTION_LIMIT = 10_000;
export const MAX_CONNECTION_LIMIT = 1_000_000;

const COMMAND = 'ipvsadm -Lcn';

/** One entry as either source reads it; a template is an entry whose client port is 0. */
export function connectionEntry(e: Omit<ConnectionEntry, 'template' | 'fwmark'> & { fwmark: number | undefined }): ConnectionEntry {
  const { fwmark, ...rest } = e;
  return { ...rest, ...(fwmark !== undefined ? { fwmark } : {}), template: e.client.port === 0 };
}

export function parseIpvsConnections(text: string): ConnectionEntry[] {
  const entries: ConnectionEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('IPVS connection entries') || line.startsWith('pro expire')) return;
    const fail = (expected: string): never => { throw new IpvsOutputError(COMMAND, index + 1, line, expected); };
    const words = line.split(/\s+/);
    if (words.length !== 6) fail('"PRO MM:SS STATE SOURCE VIRTUAL DESTINATION"');
    const [protocol, expire, state, source, virtualText, destinationText] = words;
    if (!/^[A-Z]+$/.test(protocol)) fail(`a protocol name, not "${protocol}"`);
    const m = /^(\d+):(\d{2})$/.exec(expire);
    if (!m) fail(`an expiry MM:SS, not "${expire}"`);
    const client = endpointOf(source, fail);
    const virtual = endpointOf(virtualText, fail);
    const destination = endpointOf(destinationText, fail);
    const fwmark = protocol === 'IP' ? markOf(virtual.address) : undefined;
    entries.push(connectionEntry({ protocol, expiresSeconds: Number(m?.[1]) * 60 + Number(m?.[2]), state, client, virtual, destination, fwmark }));
  });
  return entries;
}

/** The entries that pass every filter given, at most `limit` of them, templates included. */
export function filterConnections(entries: readonly ConnectionEntry[], filter: ConnectionFilter): ConnectionEntry[] {
  const out: ConnectionEntry[] = [];
  for (const e of entries) {
    if (out.length >= filter.limit) break;
    if (passesConnectionFilter(e, filter)) out.push(e);
  }
  return out;
}

/** The entry passes every filter given (the limit aside). */
export function passesConnectionFilter(e: ConnectionEntry, filter: ConnectionFilter): boolean {
  if (filter.client && !sameKernelAddress(e.client.address, filter.client)) return false;
  if (filter.vip && !sameKernelAddress(e.virtual.address, filter.vip)) return false;
  return !(filter.realserver && !sameKernelAddress(e.destination.address, filter.realserver));
}

function endpointOf(text: string, fail: (expected: string) => never): Endpoint {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 65535) return fail(`a numeric ADDRESS:PORT (run ipvsadm with -n), not "${text}"`);
  return { address: m[1], port: Number(m[2]) };
}

/** The kernel stores a template's mark in the address field: 0.0.0.1 is mark 1. */
function markOf(address: string): number | undefined {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/** An entry's address (the kernel's spelling) against a filter's, made canonical when the request was decoded (connections-codec.ts). */
function sameKernelAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
