// Which TCP ports this host listens on, from /proc/net/tcp and /proc/net/tcp6 (no process
// per check, no shell): the realserver's "the service port is listening" self-check.
// Each line's local_address is HEX_ADDRESS:HEX_PORT, the address as the kernel's 32-bit
// words in host byte order; state 0A is LISTEN.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { canonicalAddress } from '../../lvs/address';

export interface ListeningSocket {
  address: string;
  port: number;
  /** an IPv6 socket that takes no IPv4 connection (sock_diag says; /proc/net/tcp6 cannot: absent) */
  v6only?: boolean;
}

const LISTEN = '0A';

export function parseProcNetTcp(text: string, order: 'LE' | 'BE' = endianness()): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const words = line.trim().split(/\s+/);
    if (words.length < 4 || words[3] !== LISTEN) continue;
    const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(words[1]);
    if (!m) continue;
    sockets.push({ address: addressOf(m[1], order), port: parseInt(m[2], 16) });
  }
  return sockets;
}

function addressOf(hex: string, order: 'LE' | 'BE'): string {
  const bytes = Buffer.from(hex, 'hex');
  if (order === 'LE') for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  const v4mapped = groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff';
  if (v4mapped) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  return compressIpv6(groups);
}

/** "0:0:0:0:0:0:0:0" → "::", "2001:db8:0:0:0:0:0:11" → "2001:db8::11" (RFC 5952: longest zero run). */
function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i += 1; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > bestLength && j - i > 1) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

export type ReadListening = () => Promise<ListeningSocket[]>;

/** The real reader: both files; a missing tcp6 (IPv6 disabled) is no error. */
export function procListeningReader(read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8')): ReadListening {
  return async () => {
    const v4 = parseProcNetTcp(await read('/proc/net/tcp'));
    const v6 = await read('/proc/net/tcp6').then(parseProcNetTcp, () => []);
    return [...v4, ...v6];
  };
}


/** True when something listens on `port` at a wildcard address or at one of `addresses`. */
export function listensOn(sockets: readonly ListeningSocket[], port: number, addresses: readonly string[]): boolean {
  return listeningAt(addresses)(sockets, port);
}

/**
 * `listensOn` for many ports of one set of addresses: the addresses are made into a set once
 * (a realserver in 10,000 services at 10 ports each asks 100,000 times), each in its one
 * spelling (the plan's 2001:DB8:0::11 is the kernel's 2001:db8::11; the readers above write
 * the kernel's addresses that way already).
 */
export function listeningAt(addresses: readonly string[]): (sockets: readonly ListeningSocket[], port: number) => boolean {
  const wanted = new Set(addresses.map(canonicalAddress));
  const wantsV4 = addresses.some((a) => !a.includes(':'));
  const wantsV6 = addresses.some((a) => a.includes(':'));
  // a wildcard takes connections of its own family: 0.0.0.0 IPv4 only; :: IPv6, and IPv4 too
  // unless the socket is IPV6_V6ONLY (nginx's "listen [::]:80" is), which then refuses them
  const wildcardFor = (s: ListeningSocket): boolean =>
    (s.address === '0.0.0.0' && wantsV4) || (s.address === '::' && (wantsV6 || (wantsV4 && s.v6only !== true)));
  return (sockets, port) => sockets.some((s) => s.port === port && (wildcardFor(s) || wanted.has(s.address.toLowerCase())
    || (s.address.startsWith('::ffff:') && wanted.has(s.address.slice(7)))));
}
