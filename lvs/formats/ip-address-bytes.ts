// IP addresses as the kernel holds them (4 or 16 bytes, network order) and back as text,
// written the way ipvsadm -n writes them (glibc inet_ntop), so a table read over netlink and
// one read through ipvsadm name every address alike. Pure.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * A dotted quad exactly as node's isIPv4 takes it (four numbers 0-255, no leading zero) as a
 * u32, or undefined for anything else (IPv6, or not an address: inetAddr says so). Read in
 * place: the split, the array and the two Buffers of addressBytes, times the 22,000
 * destinations of a load, were most of a batch's own time in the lab; the read-back names
 * the 2,000 services of a load the same way.
 */
export function dottedQuad(address: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= address.length; i++) {
    const c = i < address.length ? address.charCodeAt(i) : 46;
    if (c === 46 /* . */) {
      if (digits === 0 || parts === 4) return undefined;
      value = value * 256 + part;
      parts += 1;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined;
      part = part * 10 + c - 48;
      digits += 1;
      if (part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

/** "10.0.0.1" → 4 bytes, "2001:db8::1" → 16 bytes; anything else throws. */
export function addressBytes(address: string): Buffer {
  const v4 = dottedQuad(address);
  if (v4 !== undefined) {
    const bytes = Buffer.allocUnsafe(4);
    bytes.writeUInt32BE(v4 >>> 0, 0);
    return bytes;
  }
  if (isIPv6(address)) return ipv6Bytes(address);
  throw new Error(`"${address}" is not an IPv4 or IPv6 address`);
}

function ipv6Bytes(address: string): Buffer {
  let text = address.toLowerCase();
  const out = Buffer.alloc(16);
  // an embedded IPv4 tail ("::ffff:10.0.0.1") is two groups
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined
    ? headGroups
    : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** 4 bytes → dotted quad; 16 bytes → RFC 5952 text (inet_ntop's, embedded IPv4 included). */
export function formatAddress(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new Error(`an address is 4 or 16 bytes, not ${bytes.length}`);
  const words = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  // the longest run of two or more zero words is written "::" (the first, on a tie)
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i += 1; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j += 1;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  // inet_ntop writes IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) tails dotted
  const dottedTail = best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff));
  let text = '';
  for (let i = 0; i < 8; i += 1) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (dottedTail && i === 6) {
      text += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      return text;
    }
    text += words[i].toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) text += ':';
  return text;
}

/**
 * An address as the kernel's /proc/net/ip_vs* files print it: IPv4 as %08X (the number in
 * host order of its value, 0A000064 is 10.0.0.100), IPv6 as %pI6 (eight groups of four hex
 * digits, colons between). Undefined for anything else.
 */
export function procAddress(text: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(text)) return formatAddress(Buffer.from(text, 'hex'));
  if (/^[0-9a-fA-F]{4}(:[0-9a-fA-F]{4}){7}$/.test(text)) return formatAddress(Buffer.from(text.replace(/:/g, ''), 'hex'));
  return undefined;
}
