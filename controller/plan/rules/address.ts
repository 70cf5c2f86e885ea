// Address comparison and families: "2001:DB8::1" and "2001:db8:0::1" are one VIP.
import type { AddressFamily } from '../../../lvs/model';

export function familyName(family: AddressFamily): string {
  return family === 'inet6' ? 'IPv6' : 'IPv4';
}

/** Whether "255.255.255.0" is a contiguous IPv4 netmask (ones then zeros). */
export function isIpv4Netmask(text: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return false;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return false;
  const value = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const inverted = ~value >>> 0; // zeros then ones when the mask is contiguous
  return value !== 0 && (inverted & (inverted + 1)) === 0;
}

export function isIpv6Prefix(text: string): boolean {
  if (!/^\d{1,3}$/.test(text)) return false;
  const n = Number(text);
  return n >= 1 && n <= 128;
}
