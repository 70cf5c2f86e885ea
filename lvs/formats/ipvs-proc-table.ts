// /proc/net/ip_vs, the kernel's own listing of the IPVS table (ip_vs_ctl.c,
// ip_vs_info_seq_show), used as a fingerprint: one file read shows every service's protocol,
// address, port or mark, scheduler, one-packet and persistence settings, and each
// destination's address, port, forwarding method and weight. It does not show scheduler
// flags, a persistence engine, thresholds or tunnel settings, and it names an IPv4 and an
// IPv6 fwmark service alike ("FWM  00000001"), so it says which services changed, never
// what they are: those are read again over netlink. Connection counts (the last two columns
// of a destination line) change with traffic and are left out. Pure.
import { addressBytes, formatAddress, procAddress } from './ip-address-bytes';
import { isIpv6, SCHEDULERS, type Destination, type Forwarding, type IpvsService, type Persistence, type Scheduler, type SchedulerFlag, type ServiceKey } from '../model';
import type { Pausable } from '../yield-point';

export const IPVS_TABLE_FILE = '/proc/net/ip_vs';

/** The three header lines the kernel writes before the first service. */
const HEADER_LINES = 3;

/** How the file names a service: "TCP 0A640101:0050", "UDP [2001:0db8:…:0001]:0035", "FWM 00000001". */
export function procServiceName(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `FWM ${hex(key.mark, 8)}`;
  const port = hex(key.port, 4);
  const bytes = addressBytes(key.vip);
  if (bytes.length === 4) return `${key.kind.toUpperCase()} ${hex(bytes.readUInt32BE(0), 8)}:${port}`;
  // %pI6: eight groups of four lower-case hex digits, nothing shortened
  const groups = Array.from({ length: 8 }, (_, i) => hex(bytes.readUInt16BE(i * 2), 4).toLowerCase());
  return `${key.kind.toUpperCase()} [${groups.join(':')}]:${port}`;
}

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}

/** A destination line's last two fields, its active and inactive connection counts. */
const CONNECTION_COUNTS = /^(  ->.*?) +\d+ +\d+ *$/gm;

/**
 * Each service name in the file with its lines (the service line and its destination lines
 * without their connection counts), as one string; two services the file names alike (an
 * IPv4 and an IPv6 fwmark) share one entry. Throws on a line it cannot place. The counts go
 * in one regular-expression pass and the services are found by searching for line starts:
 * at 22,000 lines, a string (or an expression) per line cost 50 to 250 ms in the lab's kernel.
 */
export function* procTableBlocksSteps(text: string): Pausable<Map<string, string>> {
  const blocks = new Map<string, string>();
  const firstLineEnd = text.indexOf('\n');
  if (!text.startsWith('IP Virtual Server version')) throw new Error(`${IPVS_TABLE_FILE} does not start as the kernel writes it: ${JSON.stringify(text.slice(0, Math.min(80, firstLineEnd < 0 ? 80 : firstLineEnd)))}`);
  const table = text.replace(CONNECTION_COUNTS, '$1');
  // past the three header lines
  let at = 0;
  for (let line = 0; line < HEADER_LINES && at >= 0; line++) at = table.indexOf('\n', at) + 1 || -1;
  if (at < 0) return blocks;
  if (table.startsWith('  ->', at)) throw new Error(`${IPVS_TABLE_FILE}: a destination before any service`);
  while (at < table.length) {
    // the next service line: a line that does not start with a space
    let next = table.indexOf('\n', at);
    while (next >= 0 && table.charCodeAt(next + 1) === 32) next = table.indexOf('\n', next + 1);
    const end = next < 0 ? table.length : next;
    const block = table.slice(at, end);
    const name = serviceNameOf(block);
    if (name === undefined) throw new Error(`${IPVS_TABLE_FILE}: not a service line: ${JSON.stringify(block.slice(0, 80))}`);
    const before = blocks.get(name);
    blocks.set(name, before === undefined ? block : `${before}\n${block}`);
    at = end + 1;
    yield;
  }
  return blocks;
}

/** "TCP  0A640101:0050 wlc …" → "TCP 0A640101:0050" (the protocol and the address, or FWM and the mark). */
function serviceNameOf(block: string): string | undefined {
  const protocolEnd = block.indexOf(' ');
  if (protocolEnd <= 0) return undefined;
  let at = protocolEnd;
  while (block.charCodeAt(at) === 32) at++;
  let addressEnd = at;
  while (addressEnd < block.length && block.charCodeAt(addressEnd) !== 32 && block.charCodeAt(addressEnd) !== 10) addressEnd++;
  return addressEnd === at ? undefined : `${block.slice(0, protocolEnd)} ${block.slice(at, addressEnd)}`;
}

const FORWARDING_BY_NAME: Readonly<Record<string, Forwarding>> = { Masq: 'nat', Route: 'dr', Local: 'dr', Tunnel: 'tun' };

/**
 * A TCP or UDP service as its block of the listing shows it, with the scheduler flags the
 * caller knows (the listing does not show them); undefined when the block cannot say it all
 * faithfully: not exactly one service line, one-packet scheduling, IPv6 persistence (whose
 * netmask the listing prints in no form ipvsadm takes), an unknown scheduler or forwarding.
 */
export function procServiceOf(key: ServiceKey, block: string, flags: SchedulerFlag[]): IpvsService | undefined {
  if (key.kind === 'fwmark') return undefined;
  const lines = block.split('\n');
  const fields = lines[0].trim().split(/\s+/);
  const [, , scheduler, ...rest] = fields;
  if (scheduler === undefined || !(SCHEDULERS as readonly string[]).includes(scheduler) || rest.includes('ops')) return undefined;
  const v6 = isIpv6(key.vip);
  let persistence: Persistence | undefined;
  const at = rest.indexOf('persistent');
  if (at >= 0) {
    if (v6) return undefined;
    const timeout = Number(rest[at + 1]);
    const mask = rest[at + 2] ?? '';
    if (!Number.isInteger(timeout) || !/^[0-9A-F]{8}$/.test(mask)) return undefined;
    persistence = { timeout, ...(mask === 'FFFFFFFF' ? {} : { netmask: formatAddress(Buffer.from(mask, 'hex')) }) };
  } else if (rest.length > 0) {
    return undefined;
  }
  const destinations: Destination[] = [];
  for (const line of lines.slice(1)) {
    if (!line.startsWith('  ->')) return undefined;
    const [, place, forward, weightText] = line.trim().split(/\s+/);
    const colon = place?.lastIndexOf(':') ?? -1;
    const forwarding = FORWARDING_BY_NAME[forward ?? ''];
    const weight = Number(weightText);
    if (colon < 0 || forwarding === undefined || !Number.isInteger(weight)) return undefined;
    // an IPv6 destination is "[%pI6]:port"
    const address = procAddress(place.slice(0, colon).replace(/^\[(.*)\]$/, '$1'));
    if (address === undefined) return undefined;
    destinations.push({ address, port: parseInt(place.slice(colon + 1), 16), weight, forwarding });
  }
  return { service: { key, scheduler: scheduler as Scheduler, flags: [...flags], ...(persistence ? { persistence } : {}) }, destinations };
}
