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
  try {
    return formatAddress(addressBytes(address));
  } catch {
    return address.toLowerCase();
  }
}

export function sameAddress(a: string, b: string): boolean {
  return a === b || canonicalAddress(a) === canonicalAddress(b);
}

/**
 * "10.0.0.1:7400", "[::]:7400" as its address and port (up to five digits), neither checked
 * further; undefined for text of another shape. `bracketed`: the address was written in [ ].
 */
export function splitAddressPort(text: string): { address: string; port: number; bracketed: boolean } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  return m ? { address: m[1] ?? m[2], port: Number(m[3]), bracketed: m[1] !== undefined } : undefined;
}
