// Parser for /proc/net/ip_vs_conn, the file `ipvsadm -Lcn` itself reads (the IPVS netlink
// family has no connection dump). Layout from ip_vs_conn_seq_show() (Linux 6.1):
//   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
//   TCP 0A0000C8 C2F2 0A000064 0050 0A00000C 0050 ESTABLISHED     899
// IPv4 addresses as 8 hex digits (host order of the number, i.e. 0A000064 is 10.0.0.100), an
// IPv6 one as %pI6 (eight 4-digit groups), ports as 4 hex digits, the expiry in seconds, and
// for a persistence engine its name and data after it. Entries come out as ipvsadm -Lcn's.
import { procAddress } from './ip-address-bytes';
import { connectionEntry, passesConnectionFilter, type ConnectionEntry, type ConnectionFilter, type Endpoint } from './ipvs-connections';
import { IpvsOutputError } from './ipvs-stats';
import { WholeLines } from './whole-lines';

export const IPVS_CONN_FILE = '/proc/net/ip_vs_conn';

export function parseIpvsProcConnections(text: string): ConnectionEntry[] {
  const reader = new ProcConnectionsReader();
  reader.feed(text);
  return reader.end();
}

/**
 * The file fed as it is read, a piece at a time (a line may span two): keeps the entries that
 * pass `filter`, at most its limit, and is `full` once it has them, so the caller can stop
 * reading. What it holds is those entries and one unfinished line, not the file: a busy
 * director's table is tens of megabytes.
 */
export class ProcConnectionsReader {
  private readonly entries: ConnectionEntry[] = [];
  private lineNumber = 0;
  private readonly lines = new WholeLines();

  constructor(private readonly filter?: ConnectionFilter) {}

  /** the filter's limit is reached: nothing more will be kept */
  get full(): boolean {
    return this.filter !== undefined && this.entries.length >= this.filter.limit;
  }

  feed(piece: string): void {
    const text = this.lines.feed(piece);
    for (let at = 0; at < text.length && !this.full;) {
      const end = text.indexOf('\n', at);
      this.take(text.slice(at, end));
      at = end + 1;
    }
  }

  /** The entries kept, once the whole file (or enough of it) was fed. */
  end(): ConnectionEntry[] {
    const last = this.lines.end();
    if (last !== '' && !this.full) this.take(last);
    return this.entries;
  }

  private take(line: string): void {
    const entry = parseLine(line, ++this.lineNumber);
    if (entry !== undefined && (this.filter === undefined || passesConnectionFilter(entry, this.filter))) this.entries.push(entry);
  }
}

/** The entry a line states; undefined for the header and empty lines. */
function parseLine(raw: string, lineNumber: number): ConnectionEntry | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('Pro FromIP')) return undefined;
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
  return connectionEntry({ protocol, expiresSeconds: Number(expires), state, client, virtual, destination, fwmark });
}

function endpointOf(address: string, port: string, fail: (expected: string) => never): Endpoint {
  if (!/^[0-9A-Fa-f]{4}$/.test(port)) fail(`a port as 4 hex digits, not "${port}"`);
  return { address: addressOf(address, fail), port: parseInt(port, 16) };
}

function addressOf(text: string, fail: (expected: string) => never): string {
  return procAddress(text) ?? fail(`an address as 8 hex digits or eight IPv6 groups, not "${text}"`);
}
