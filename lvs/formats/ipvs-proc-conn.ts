// Parser for /proc/net/ip_vs_conn, the file `ipvsadm -Lcn` itself reads (the IPVS netlink
// family has no connection dump). Layout from ip_vs_conn_seq_show() (Linux 6.1):
//   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
//   TCP 0A0000C8 C2F2 0A000064 0050 0A00000C 0050 ESTABLISHED     899
// IPv4 addresses as 8 hex digits (host order of the number, i.e. 0A000064 is 10.0.0.100), an
// IPv6 one as %pI6 (eight 4-digit groups), ports as 4 hex digits, the expiry in seconds, and
// for a persistence engine its name and data after it. Entries come out as ipvsadm -Lcn's.
import { procAddress } from './ip-address-bytes';
import { connectionEntry, type ConnectionEntry, type Endpoint } from './ipvs-connections';
import { IpvsOutputError } from './ipvs-stats';
import { runToEnd, type Pausable } from '../yield-point';

export const IPVS_CONN_FILE = '/proc/net/ip_vs_conn';

export function parseIpvsProcConnections(text: string): ConnectionEntry[] {
  return runToEnd(parseIpvsProcConnectionsSteps(text));
}

/**
 * The same, of the file whole or in the pieces it was read in (a line may span two), a line at
 * a time between pause points: a busy director's table is hundreds of thousands of lines, and
 * the agent answers Hello and Health on the loop this runs on.
 */
export function* parseIpvsProcConnectionsSteps(file: string | readonly string[]): Pausable<ConnectionEntry[]> {
  const entries: ConnectionEntry[] = [];
  let lineNumber = 0;
  let carried = '';
  for (const piece of typeof file === 'string' ? [file] : file) {
    const text = carried + piece;
    let at = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', at)) {
      parseLine(text.slice(at, end), ++lineNumber, entries);
      at = end + 1;
      yield;
    }
    carried = text.slice(at);
  }
  if (carried !== '') parseLine(carried, ++lineNumber, entries);
  return entries;
}

function parseLine(raw: string, lineNumber: number, entries: ConnectionEntry[]): void {
  const line = raw.trim();
  if (line === '' || line.startsWith('Pro FromIP')) return;
  const fail = (expected: string): never => { throw new IpvsOutputError(IPVS_CONN_FILE, lineNumber, line, expected); };
  const words = line.split(/\s+/);
  if (words.length < 9) fail('"Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires"');
  const [protocol, cAddr, cPort, vAddr, vPort, dAddr, dPort, state, expires] = words;
  if (!/^[A-Z]+$/.test(protocol)) fail(`a protocol name, not "${protocol}"`);
  if (!/^\d+$/.test(expires)) fail(`an expiry in seconds, not "${expires}"`);
  const client = endpointOf(cAddr, cPort, fail);
  const virtual = endpointOf(vAddr, vPort, fail);
  const destination = endpointOf(dAddr, dPort, fail);
  // a firewall-mark template keeps the mark where the virtual address goes (0.0.0.1 is mark 1)
  const fwmark = protocol === 'IP' && /^[0-9A-Fa-f]{8}$/.test(vAddr) ? parseInt(vAddr, 16) : undefined;
  entries.push(connectionEntry({ protocol, expiresSeconds: Number(expires), state, client, virtual, destination, fwmark }));
}

function endpointOf(address: string, port: string, fail: (expected: string) => never): Endpoint {
  if (!/^[0-9A-Fa-f]{4}$/.test(port)) fail(`a port as 4 hex digits, not "${port}"`);
  return { address: addressOf(address, fail), port: parseInt(port, 16) };
}

function addressOf(text: string, fail: (expected: string) => never): string {
  return procAddress(text) ?? fail(`an address as 8 hex digits or eight IPv6 groups, not "${text}"`);
}
