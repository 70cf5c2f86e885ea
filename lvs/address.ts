// Addresses as the kernel compares them: "2001:DB8::1" and "2001:db8:0::1" are one address.
import { addressBytes, formatAddress } from './formats/ip-address-bytes';
import type { AddressFamily } from './model';

export function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 'inet6' : 'inet';
}

/**
 * One spelling per address, the kernel's: IPv6 as inet_ntop writes it (lower case, "::" for the
 * longest zero run, an IPv4-mapped tail dotted: ::ffff:10.0.0.12), as every reader of the
 * kernel here writes addresses, so equal addresses compare equal as strings.
 */
export function canonicalAddress(address: string): string {
  if (familyOf(address) === 'inet') return address;
  let known = spelt.get(address);
  if (known === undefined) {
    try {
      known = formatAddress(addressBytes(address));
    } catch {
      known = address.toLowerCase();
    }
    // a realserver's checks compare thousands of VIPs over and over: each spelling is worked out once
    if (spelt.size >= MAX_SPELT) spelt.clear();
    spelt.set(address, known);
  }
  return known;
}

/** IPv6 text → its canonical spelling, bounded (cleared whole when full: a cache, never a record) */
const spelt = new Map<string, string>();
const MAX_SPELT = 65_536;

export function sameAddress(a: string, b: string): boolean {
  return a === b || canonicalAddress(a) === canonicalAddress(b);
}

/** Items by the canonical spelling of their address, in their order: one lookup per address instead of a walk over all. */
export function byAddress<T>(items: Iterable<T>, addressOf: (item: T) => string): Map<string, T[]> {
  const index = new Map<string, T[]>();
  for (const item of items) {
    const key = canonicalAddress(addressOf(item));
    const list = index.get(key);
    if (list) list.push(item);
    else index.set(key, [item]);
  }
  return index;
}

/**
 * "10.0.0.1:7400", "[::]:7400" as its address and port (up to five digits), neither checked
 * further; undefined for text of another shape. `bracketed`: the address was written in [ ].
 */
export function splitAddressPort(text: string): { address: string; port: number; bracketed: boolean } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  return m ? { address: m[1] ?? m[2], port: Number(m[3]), bracketed: m[1] !== undefined } : undefined;
}
