// /proc/net/ip_vs, the kernel's own listing of the IPVS table (ip_vs_ctl.c,
// ip_vs_info_seq_show), used as a fingerprint: one file read shows every service's protocol,
// address, port or mark, scheduler, one-packet and persistence settings, and each
// destination's address, port, forwarding method and weight. It does not show scheduler
// flags, a persistence engine, thresholds or tunnel settings, and it names an IPv4 and an
// IPv6 fwmark service alike ("FWM  00000001"), so it says which services changed, never
// what they are: those are read again over netlink. Connection counts (the last two columns
// of a destination line) change with traffic and are left out. Pure.
import { createHash } from 'node:crypto';
import { addressBytes, dottedQuad, formatAddress, procAddress } from './ip-address-bytes';
import { isIpv6, SCHEDULERS, type Destination, type Forwarding, type IpvsService, type Persistence, type Scheduler, type SchedulerFlag, type ServiceKey } from '../model';
import type { Pausable } from '../yield-point';
import { WholeLines } from './whole-lines';

export const IPVS_TABLE_FILE = '/proc/net/ip_vs';

/** The three header lines the kernel writes before the first service. */
const HEADER_LINES = 3;

/** Each key object's name, made once: the door names the same keys at every step of a read. */
const serviceNames = new WeakMap<ServiceKey, string>();

/** How the file names a service: "TCP 0A640101:0050", "UDP [2001:0db8:…:0001]:0035", "FWM 00000001". */
export function procServiceName(key: ServiceKey): string {
  let name = serviceNames.get(key);
  if (name === undefined) {
    name = serviceNameOfKey(key);
    serviceNames.set(key, name);
  }
  return name;
}

function serviceNameOfKey(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `FWM ${hex(key.mark, 8)}`;
  return `${key.kind.toUpperCase()} ${printedAddressOf(key.vip)}:${hex(key.port, 4)}`;
}

/** An address as the file prints it: "0A640101", or for IPv6 %pI6 in brackets (eight groups of four lower-case hex digits, nothing shortened). */
function printedAddressOf(address: string): string {
  // an IPv4 address read in place: no Buffer for each of a load's 2,000 service names
  const v4 = dottedQuad(address);
  if (v4 !== undefined) return hex(v4, 8);
  const bytes = addressBytes(address);
  const groups = Array.from({ length: 8 }, (_, i) => hex(bytes.readUInt16BE(i * 2), 4).toLowerCase());
  return `[${groups.join(':')}]`;
}

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}

/**
 * A destination line's last two fields, its active and inactive connection counts, after its
 * address, forwarding and weight (ip_vs_info_seq_show's layout). Three fields named, not a
 * lazy `.*?`: a third of the time over 20,000 lines. A line laid out otherwise keeps its counts,
 * so its service is only ever read again for nothing, never missed.
 */
const CONNECTION_COUNTS = /^(  -> *\S+ +\S+ +\S+) +\d+ +\d+ *$/gm;

/**
 * Each service name in the file with its lines (the service line and its destination lines
 * without their connection counts), as one string; two services the file names alike (an
 * IPv4 and an IPv6 fwmark) share one entry. Throws on a line it cannot place. The counts go
 * in one regular-expression pass a piece at a time and the services are found by searching
 * for line starts: at 22,000 lines, a string (or an expression) per line cost 50 to 250 ms in
 * the lab's kernel.
 */
export function* procTableBlocksSteps(listing: string | readonly string[]): Pausable<Map<string, string>> {
  return yield* procTableBlocksOfSteps(yield* procTableWithoutCountsSteps(listing));
}

/** The listing without its connection counts: what changes only when the table does. */
export interface ListingWithoutCounts {
  /** its lines, in pieces of whole lines */
  pieces: readonly string[];
  /** a SHA-256 digest of those pieces' text: two listings with the same one show the same table */
  fingerprint: string;
}

/**
 * The listing is worked on in pieces of whole lines about this long, never as one string: in
 * the lab's kernel every page of fresh memory costs 0.15-0.27 ms, so one string of a
 * 20,000-service listing (12.7 MB) held the event loop 0.56 s to join and a replace over it
 * 1.2 s, where a piece costs a few milliseconds.
 */
const PIECE_CHARS = 64 * 1024;

/**
 * The file (whole, or in the pieces it was read in) without its connection counts: a
 * regular-expression pass a piece of whole lines at a time, and a digest of the result. Throws
 * when it does not start as the kernel writes it.
 */
export function* procTableWithoutCountsSteps(listing: string | readonly string[]): Pausable<ListingWithoutCounts> {
  const pieces: string[] = [];
  const digest = createHash('sha256');
  const take = (lines: string): void => {
    if (pieces.length === 0 && !lines.startsWith('IP Virtual Server version')) {
      const firstLineEnd = lines.indexOf('\n');
      throw new Error(`${IPVS_TABLE_FILE} does not start as the kernel writes it: ${JSON.stringify(lines.slice(0, Math.min(80, firstLineEnd < 0 ? 80 : firstLineEnd)))}`);
    }
    const withoutCounts = lines.replace(CONNECTION_COUNTS, '$1');
    digest.update(withoutCounts, 'latin1');
    pieces.push(withoutCounts);
  };
  const lines = new WholeLines();
  for (const read of piecesOf(listing)) {
    const whole = lines.feed(read);
    if (whole !== '') take(whole);
    yield;
  }
  const last = lines.end();
  if (last !== '' || pieces.length === 0) take(last);
  return { pieces, fingerprint: digest.digest('base64') };
}

/** A whole text in slices of PIECE_CHARS (slices of one string: nothing copied), or the pieces as they came. */
function* piecesOf(listing: string | readonly string[]): Generator<string, void, void> {
  if (typeof listing !== 'string') {
    yield* listing;
    return;
  }
  for (let at = 0; at < listing.length; at += PIECE_CHARS) yield listing.slice(at, at + PIECE_CHARS);
}

/** procTableBlocksSteps of what procTableWithoutCountsSteps gave. */
export function* procTableBlocksOfSteps(table: ListingWithoutCounts): Pausable<Map<string, string>> {
  const blocks = new Map<string, string>();
  // the service whose lines are being gathered: its destination lines may run on into the next piece
  let open: { name: string; lines: string } | undefined;
  const close = (): void => {
    if (open === undefined) return;
    const before = blocks.get(open.name);
    blocks.set(open.name, before === undefined ? open.lines : `${before}\n${open.lines}`);
    open = undefined;
  };
  let headerLinesLeft = HEADER_LINES;
  for (const piece of table.pieces) {
    let at = 0;
    for (; headerLinesLeft > 0 && at < piece.length; headerLinesLeft--) at = lineEnd(piece, at) + 1;
    while (at < piece.length) {
      // from this line to the next service line (one that does not start with a space), or the piece's end
      let next = piece.indexOf('\n', at);
      while (next >= 0 && piece.charCodeAt(next + 1) === 32) next = piece.indexOf('\n', next + 1);
      const end = next < 0 ? piece.length : next;
      const lines = piece.slice(at, end);
      if (piece.charCodeAt(at) === 32) {
        // destination lines, of the service the piece before ended in
        if (open === undefined) throw new Error(`${IPVS_TABLE_FILE}: a destination before any service`);
        open.lines = `${open.lines}\n${lines}`;
      } else {
        close();
        const name = serviceNameOf(lines);
        if (name === undefined) throw new Error(`${IPVS_TABLE_FILE}: not a service line: ${JSON.stringify(lines.slice(0, 80))}`);
        open = { name, lines };
      }
      at = end + 1;
      yield;
    }
  }
  close();
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
 * Read with indexOf and a field scanner rather than split and expressions per line: a read
 * may take 2,000 services (20,000 lines) from the listing, in the lab 223 ms that way (a load's
 * read-back checks them with procBlockStates first, which builds nothing).
 */
export function procServiceOf(key: ServiceKey, block: string, flags: SchedulerFlag[]): IpvsService | undefined {
  if (key.kind === 'fwmark') return undefined;
  const firstEnd = lineEnd(block, 0);
  const settings = serviceLineOf(key, block, firstEnd);
  if (settings === undefined) return undefined;
  const destinations: Destination[] = [];
  for (let end = firstEnd; end < block.length;) {
    const start = end + 1;
    end = lineEnd(block, start);
    const destination = destinationOf(block, start, end);
    if (destination === undefined) return undefined;
    destinations.push(destination);
  }
  return { service: { key, scheduler: settings.scheduler, flags: [...flags], ...(settings.persistence ? { persistence: settings.persistence } : {}) }, destinations };
}

/**
 * Whether the block states exactly `expected` (with `flags`, the scheduler flags the caller
 * knows): true only when procServiceOf would give a service equal to it field for field, its
 * destinations in the same order or in the reverse one (the kernel puts a destination it adds
 * at the head of its list, so a service loaded in one go is listed newest first; a difference
 * of order alone is none to IPVS). Compared in place, nothing built: a load's read-back checks
 * 2,000 services (20,000 destination lines) this way. False says only "not shown so"
 * (different, laid out otherwise, or in another order): the caller then reads the block.
 */
export function procBlockStates(block: string, expected: IpvsService, flags: readonly SchedulerFlag[]): boolean {
  const { key } = expected.service;
  if (key.kind === 'fwmark' || !sameFlagList(flags, expected.service.flags)) return false;
  const firstEnd = lineEnd(block, 0);
  const settings = serviceLineOf(key, block, firstEnd);
  if (settings === undefined || settings.scheduler !== expected.service.scheduler) return false;
  if (!samePersistence(settings.persistence, expected.service.persistence)) return false;
  const wanted = expected.destinations;
  const last = wanted.length - 1;
  // the order is told by the first line (destinations are unique by address and port)
  let reversed = false;
  let index = 0;
  for (let end = firstEnd; end < block.length; index++) {
    const start = end + 1;
    end = lineEnd(block, start);
    if (index > last) return false;
    if (index === 0 && !destinationShows(block, start, end, wanted[0])) {
      if (!destinationShows(block, start, end, wanted[last])) return false;
      reversed = true;
    } else if (index > 0 && !destinationShows(block, start, end, wanted[reversed ? last - index : index])) {
      return false;
    }
  }
  return index === wanted.length;
}

/** Equal as objects: a netmask written out as 255.255.255.255 is not what a read gives (none). */
function samePersistence(read: Persistence | undefined, expected: Persistence | undefined): boolean {
  if (read === undefined || expected === undefined) return read === expected;
  return read.timeout === expected.timeout && read.netmask === expected.netmask && ('netmask' in read) === ('netmask' in expected);
}

function sameFlagList(a: readonly SchedulerFlag[], b: readonly SchedulerFlag[]): boolean {
  return a.length === b.length && a.every((flag, i) => flag === b[i]);
}

/** A service line's scheduler and persistence; undefined when it cannot say them faithfully (see procServiceOf). */
function serviceLineOf(key: ServiceKey, block: string, firstEnd: number): { scheduler: Scheduler; persistence: Persistence | undefined } | undefined {
  const [, , scheduler, ...rest] = fieldsOf(block, 0, firstEnd);
  if (scheduler === undefined || !(SCHEDULERS as readonly string[]).includes(scheduler) || rest.includes('ops')) return undefined;
  let persistence: Persistence | undefined;
  const at = rest.indexOf('persistent');
  if (at >= 0) {
    if (key.kind === 'fwmark' || isIpv6(key.vip)) return undefined;
    const timeout = Number(rest[at + 1]);
    const mask = rest[at + 2] ?? '';
    if (!Number.isInteger(timeout) || !/^[0-9A-F]{8}$/.test(mask)) return undefined;
    persistence = { timeout, ...(mask === 'FFFFFFFF' ? {} : { netmask: formatAddress(Buffer.from(mask, 'hex')) }) };
  } else if (rest.length > 0) {
    return undefined;
  }
  return { scheduler: scheduler as Scheduler, persistence };
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** The whitespace-separated fields of text[from, to). */
function fieldsOf(text: string, from: number, to: number): string[] {
  const fields: string[] = [];
  let at = from;
  while (at < to) {
    at = pastSpaces(text, at, to);
    const start = at;
    at = pastField(text, at, to);
    if (at > start) fields.push(text.slice(start, at));
  }
  return fields;
}

function pastSpaces(text: string, at: number, to: number): number {
  while (at < to && text.charCodeAt(at) <= 32) at++;
  return at;
}

function pastField(text: string, at: number, to: number): number {
  while (at < to && text.charCodeAt(at) > 32) at++;
  return at;
}

const FORWARDING_NAMES = Object.keys(FORWARDING_BY_NAME);

/**
 * A destination line, "  -> 0A00000B:1F41      Masq    1      0          0": its address
 * and port, forwarding and weight (what follows, the connection counts, is not read). Read in
 * place, one string made (the address, to look it up); undefined when not laid out so.
 */
function destinationOf(text: string, start: number, end: number): Destination | undefined {
  if (!text.startsWith('  ->', start)) return undefined;
  let at = pastField(text, pastSpaces(text, start, end), end);
  const placeStart = pastSpaces(text, at, end);
  const placeEnd = pastField(text, placeStart, end);
  const forwardStart = pastSpaces(text, placeEnd, end);
  const forwardEnd = pastField(text, forwardStart, end);
  const weightStart = pastSpaces(text, forwardEnd, end);
  at = pastField(text, weightStart, end);
  const forward = FORWARDING_NAMES.find((name) => name.length === forwardEnd - forwardStart && text.startsWith(name, forwardStart));
  const weight = numberOf(text, weightStart, at, 10);
  const colon = text.lastIndexOf(':', placeEnd - 1);
  if (forward === undefined || weight === undefined || colon < placeStart) return undefined;
  const port = numberOf(text, colon + 1, placeEnd, 16);
  const address = listedAddress(text.slice(placeStart, colon));
  if (port === undefined || address === undefined) return undefined;
  return { address, port, weight, forwarding: FORWARDING_BY_NAME[forward] };
}

/**
 * Whether the destination line text[start, end) is, to the character, the line the kernel
 * prints for `d` with its counts left out ("  -> %08X:%04X      %-7s %-6d", ip_vs_ctl.c), which
 * destinationOf reads as exactly `d`. Five comparisons in place, nothing made: 2,000 services
 * of 10 in 7 ms on the host against 16-24 ms read field by field and built. A line printed
 * otherwise (Local for a local address, say) is not taken: the caller reads it.
 */
function destinationShows(text: string, start: number, end: number, d: Destination): boolean {
  const printed = printedAddress(d.address);
  const forwarding = FORWARDING_PRINTED[d.forwarding];
  if (printed === undefined || forwarding === undefined || !Number.isInteger(d.weight) || d.weight < 0 || d.weight > MAX_WEIGHT) return false;
  const weight = String(d.weight);
  let at = start + DESTINATION_LEAD.length;
  if (at + printed.length + 5 + forwarding.length + weight.length !== end || !text.startsWith(DESTINATION_LEAD, start) || !text.startsWith(printed, at)) return false;
  at += printed.length;
  if (text.charCodeAt(at) !== 58 /* : */ || !text.startsWith(portHex(d.port), at + 1)) return false;
  at += 5;
  return text.startsWith(forwarding, at) && text.startsWith(weight, at + forwarding.length);
}

const DESTINATION_LEAD = '  -> ';
/** what follows the port up to the weight: six spaces, the forwarding name padded to 7, a space */
const FORWARDING_PRINTED: Readonly<Record<string, string>> = { nat: '      Masq    ', dr: '      Route   ', tun: '      Tunnel  ' };
/** IPVS weights are an int; the field reader takes at most 10 digits */
const MAX_WEIGHT = 2 ** 31 - 1;

const portHexes: string[] = [];

/** A port as the file prints it (%04X), for ports 0 to 65535 (anything else prints as nothing the file could hold). */
function portHex(port: number): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return '?';
  return (portHexes[port] ??= hex(port, 4));
}

/** The digits text[from, to) in base 10 or 16; undefined if there are none or anything else. */
function numberOf(text: string, from: number, to: number, base: 10 | 16): number | undefined {
  if (to <= from || to - from > 10) return undefined;
  let value = 0;
  for (let at = from; at < to; at++) {
    const c = text.charCodeAt(at);
    const digit = c >= 48 && c <= 57 ? c - 48 : base === 16 && c >= 65 && c <= 70 ? c - 55 : base === 16 && c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return undefined;
    value = value * base + digit;
  }
  return value;
}

/** Destination addresses already read: a table names the same realservers again and again. */
const listedAddresses = new Map<string, string | undefined>();
const LISTED_ADDRESSES_MAX = 65_536;

/** A destination's address as the listing prints it ("0A00000B", an IPv6 one in brackets), as text. */
function listedAddress(printed: string): string | undefined {
  let address = listedAddresses.get(printed);
  if (address === undefined && !listedAddresses.has(printed)) {
    const bracketed = printed.startsWith('[') && printed.endsWith(']');
    address = procAddress(bracketed ? printed.slice(1, -1) : printed);
    if (listedAddresses.size >= LISTED_ADDRESSES_MAX) listedAddresses.clear();
    listedAddresses.set(printed, address);
  }
  return address;
}

/** Addresses as printed, each only if reading it back gives that very text (so a match means what a read would say). */
const printedAddresses = new Map<string, string | undefined>();

/** How the file prints `address`, when listedAddress reads that back as `address` itself; undefined otherwise. */
function printedAddress(address: string): string | undefined {
  let printed = printedAddresses.get(address);
  if (printed === undefined && !printedAddresses.has(address)) {
    try {
      printed = printedAddressOf(address);
    } catch {
      printed = undefined;
    }
    if (printed !== undefined && listedAddress(printed) !== address) printed = undefined;
    if (printedAddresses.size >= LISTED_ADDRESSES_MAX) printedAddresses.clear();
    printedAddresses.set(address, printed);
  }
  return printed;
}
