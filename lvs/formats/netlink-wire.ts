// Netlink and generic netlink framing, both ways, as <linux/netlink.h> and
// <linux/genetlink.h> lay it out: a 16-byte nlmsghdr (len u32, type u16, flags u16, seq u32,
// pid u32), for generic netlink a 4-byte genlmsghdr (cmd u8, version u8, reserved u16) (route
// netlink has a fixed header of its own per message type instead: rtnetlink.ts), then
// attributes (len u16, type u16, value, padded to 4 bytes). Host byte order (little-endian on
// the x64/arm64 machines the agent runs on) except where a field says network order. Pure.

export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
/** Message types below this are netlink's own (noop, error, done, overrun). */
export const NLMSG_MIN_TYPE = 0x10;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;

/** NLA_F_NESTED and NLA_F_NET_BYTEORDER ride in the top bits of an attribute's type. */
const NLA_TYPE_MASK = 0x3fff;

export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;

/** Bytes that are not the netlink the kernel writes; says what was wrong. */
export class NetlinkFormatError extends Error {
  constructor(message: string) {
    super(`netlink: ${message}`);
    this.name = 'NetlinkFormatError';
  }
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** One attribute: header, value, zero padding. */
export function attr(type: number, value: Buffer): Buffer {
  const len = NLA_HDRLEN + value.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, NLA_HDRLEN);
  return out;
}

export const u8Attr = (type: number, v: number): Buffer => attr(type, Buffer.from([v]));

export function u16Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return attr(type, b);
}

/** A u16 the kernel keeps in network order (ports). */
export function be16Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return attr(type, b);
}

export function u32Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return attr(type, b);
}

/** NUL-terminated, as NLA_NUL_STRING wants. */
export const stringAttr = (type: number, s: string): Buffer => attr(type, Buffer.from(`${s}\0`, 'utf8'));

export const nestedAttr = (type: number, children: readonly Buffer[]): Buffer => attr(type, Buffer.concat(children));

export interface GenlRequest {
  /** the family id (the nlmsg type) */
  family: number;
  cmd: number;
  version: number;
  flags: number;
  seq: number;
  attrs: readonly Buffer[];
}

/** A whole generic netlink message; pid 0 lets the kernel fill in the socket's port. */
export function genlMessage(r: GenlRequest): Buffer {
  let bodyLength = 0;
  for (const a of r.attrs) bodyLength += a.length;
  const out = withHeader(NLMSG_HDRLEN + GENL_HDRLEN + bodyLength, r.family, r.flags, r.seq);
  out.writeUInt8(r.cmd, 16);
  out.writeUInt8(r.version, 17);
  let at = NLMSG_HDRLEN + GENL_HDRLEN;
  for (const a of r.attrs) at += a.copy(out, at);
  return out;
}

/** A whole netlink message: the header, then `body` (a family's fixed header and attributes). */
export function netlinkMessage(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const out = withHeader(NLMSG_HDRLEN + body.length, type, flags, seq);
  body.copy(out, NLMSG_HDRLEN);
  return out;
}

/** A zeroed message of `len` bytes with its nlmsghdr written; pid 0 lets the kernel fill in the socket's port. */
function withHeader(len: number, type: number, flags: number, seq: number): Buffer {
  const out = Buffer.alloc(len);
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  return out;
}

/**
 * Writes netlink messages in place into one buffer that is used again and again: each header
 * and attribute goes straight to its offset and a length is patched once its message or nest
 * ends, so a 220,000-message batch allocates no Buffer per message or attribute (building
 * them and concatenating them was most of the batch's time in the lab). Padding is zeroed as
 * it is written: the buffer still holds the last batch's bytes. Grows if a message needs it.
 */
export class NetlinkWriter {
  /** where the next byte goes */
  at = 0;
  private buf: Buffer;

  constructor(capacity: number) {
    this.buf = Buffer.alloc(capacity);
  }

  /** The bytes written so far; valid until the next write. */
  written(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /** Starts again from byte `to` (what was written from there on is overwritten). */
  reset(to = 0): void {
    this.at = to;
  }

  /**
   * A generic netlink message's headers, its length and command left for endGenl (pid 0 lets
   * the kernel fill in the socket's port). Returns where the message starts.
   */
  beginGenl(type: number, flags: number, seq: number, version: number): number {
    const start = this.at;
    const b = this.room(NLMSG_HDRLEN + GENL_HDRLEN);
    put16(b, start + 4, type);
    put16(b, start + 6, flags);
    put32(b, start + 8, seq);
    put32(b, start + 12, 0);
    b[start + 17] = version;
    put16(b, start + 18, 0);
    this.at = start + NLMSG_HDRLEN + GENL_HDRLEN;
    return start;
  }

  /** Ends the message begun at `start`: its command and its length. */
  endGenl(start: number, cmd: number): void {
    put32(this.buf, start, this.at - start);
    this.buf[start + NLMSG_HDRLEN] = cmd;
  }

  /** Adds `flags` to the message that starts at `start`. */
  addFlags(start: number, flags: number): void {
    put16(this.buf, start + 6, this.buf.readUInt16LE(start + 6) | flags);
  }

  /** Starts a nested attribute; returns where it starts, for endNest. */
  beginNest(type: number): number {
    const start = this.at;
    put16(this.room(NLA_HDRLEN), start + 2, type);
    this.at = start + NLA_HDRLEN;
    return start;
  }

  endNest(start: number): void {
    put16(this.buf, start, this.at - start);
  }

  u16(type: number, v: number): void {
    put16(this.header(type, 2), this.at, v);
    this.pad(2);
  }

  /** A u16 the kernel keeps in network order (ports). */
  be16(type: number, v: number): void {
    const b = this.header(type, 2);
    b[this.at] = (v >>> 8) & 0xff;
    b[this.at + 1] = v & 0xff;
    this.pad(2);
  }

  u32(type: number, v: number): void {
    put32(this.header(type, 4), this.at, v);
    this.at += 4;
  }

  /** Two u32 (a struct of two, such as struct ip_vs_flags). */
  u32Pair(type: number, a: number, b: number): void {
    const buf = this.header(type, 8);
    put32(buf, this.at, a);
    put32(buf, this.at + 4, b);
    this.at += 8;
  }

  bytes(type: number, value: Uint8Array): void {
    this.header(type, value.length).set(value, this.at);
    this.pad(value.length);
  }

  /** An IPv4 address (a u32 in network order) in the first four of 16 bytes, the rest zero: union nf_inet_addr. */
  ipv4In16(type: number, address: number): void {
    const b = this.header(type, 16);
    b[this.at] = address >>> 24;
    b[this.at + 1] = (address >>> 16) & 0xff;
    b[this.at + 2] = (address >>> 8) & 0xff;
    b[this.at + 3] = address & 0xff;
    // the other twelve bytes zeroed one by one: Buffer#fill checks its arguments each call, and
    // with V8's optimizing compiler off (a one-CPU director) 4,000 calls in a 2,000-service
    // load cost 3-4 ms on a build machine against 0.6 ms for these stores
    for (let i = this.at + 4; i < this.at + 16; i++) b[i] = 0;
    this.at += 16;
  }

  /** NUL-terminated, as NLA_NUL_STRING wants. */
  string(type: number, s: string): void {
    // ASCII (scheduler names) byte by byte: Buffer#write per call cost more than the rest of a message
    let ascii = true;
    for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
    if (!ascii) return this.bytes(type, Buffer.from(`${s}\0`, 'utf8'));
    const b = this.header(type, s.length + 1);
    for (let i = 0; i < s.length; i++) b[this.at + i] = s.charCodeAt(i);
    b[this.at + s.length] = 0;
    this.pad(s.length + 1);
  }

  /**
   * Attribute bytes already encoded (aligned, as attr() and nestedAttr() give them), or a
   * template whose values are then filled in with the *At writers. Returns where they start.
   */
  raw(encoded: Uint8Array): number {
    const start = this.at;
    this.room(encoded.length).set(encoded, start);
    this.at = start + encoded.length;
    return start;
  }

  /** A u32 at `at`, inside what was written (a template's value). */
  u32At(at: number, v: number): void {
    put32(this.buf, at, v);
  }

  /** A u32 in network order at `at` (an IPv4 address). */
  be32At(at: number, v: number): void {
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }

  /** A u16 in network order at `at` (a port). */
  be16At(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** An attribute's header for a value of `length` bytes, with room for the value and its padding. */
  private header(type: number, length: number): Buffer {
    const b = this.room(NLA_HDRLEN + align4(length));
    put16(b, this.at, NLA_HDRLEN + length);
    put16(b, this.at + 2, type);
    this.at += NLA_HDRLEN;
    return b;
  }

  /** Steps over a value of `length` bytes, zeroing its padding. */
  private pad(length: number): void {
    this.at += length;
    while ((this.at & 3) !== 0) this.buf[this.at++] = 0;
  }

  /** The buffer, with at least `bytes` free past `at`. */
  private room(bytes: number): Buffer {
    if (this.at + bytes > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.at + bytes));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    return this.buf;
  }
}

/** Little-endian stores by index: Buffer#writeUInt16LE/32LE check their arguments, a cost per field at 220,000 messages. */
function put16(b: Buffer, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

function put32(b: Buffer, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** everything after the nlmsghdr */
  payload: Buffer;
}

/** The messages of one datagram (a recvmsg may carry several, each 4-byte aligned). */
export function splitMessages(datagram: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= datagram.length) {
    const len = datagram.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > datagram.length) {
      throw new NetlinkFormatError(`message at byte ${at} says it is ${len} bytes long; ${datagram.length - at} are left`);
    }
    out.push({
      type: datagram.readUInt16LE(at + 4),
      flags: datagram.readUInt16LE(at + 6),
      seq: datagram.readUInt32LE(at + 8),
      pid: datagram.readUInt32LE(at + 12),
      payload: datagram.subarray(at + NLMSG_HDRLEN, at + len),
    });
    at += align4(len);
  }
  return out;
}

/** NLMSG_ERROR: the errno (positive; 0 is an ACK) and the sequence number of the message it answers. */
export function parseError(payload: Buffer): { errno: number; seq: number } {
  if (payload.length < 4 + NLMSG_HDRLEN) throw new NetlinkFormatError(`an error message of ${payload.length} bytes (at least ${4 + NLMSG_HDRLEN})`);
  return { errno: -payload.readInt32LE(0), seq: payload.readUInt32LE(4 + 8) };
}

/** NLMSG_DONE of a dump carries the dump's own status (0, or a negative errno). */
export function parseDone(payload: Buffer): number {
  return payload.length >= 4 ? -payload.readInt32LE(0) : 0;
}

/** A generic netlink message's command and its attributes' bytes. */
export function genlBody(payload: Buffer): { cmd: number; version: number; attrs: Buffer } {
  if (payload.length < GENL_HDRLEN) throw new NetlinkFormatError(`a generic netlink message of ${payload.length} bytes`);
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), attrs: payload.subarray(GENL_HDRLEN) };
}

/** Attributes by type (nested/byte-order bits masked off); the first of a repeated type wins. */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = 0;
  while (at + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(at);
    if (len < NLA_HDRLEN || at + len > buf.length) {
      throw new NetlinkFormatError(`attribute at byte ${at} says it is ${len} bytes long; ${buf.length - at} are left`);
    }
    const type = buf.readUInt16LE(at + 2) & NLA_TYPE_MASK;
    if (!out.has(type)) out.set(type, buf.subarray(at + NLA_HDRLEN, at + len));
    at += align4(len);
  }
  return out;
}

function sized(v: Buffer, bytes: number, what: string): Buffer {
  if (v.length < bytes) throw new NetlinkFormatError(`${what} has ${v.length} bytes, needs ${bytes}`);
  return v;
}

export const readU8 = (v: Buffer, what: string): number => sized(v, 1, what).readUInt8(0);
export const readU16 = (v: Buffer, what: string): number => sized(v, 2, what).readUInt16LE(0);
export const readBe16 = (v: Buffer, what: string): number => sized(v, 2, what).readUInt16BE(0);
export const readU32 = (v: Buffer, what: string): number => sized(v, 4, what).readUInt32LE(0);
/** u64 counters: exact up to 2^53, which byte counters reach only after petabytes. */
export const readU64 = (v: Buffer, what: string): number => Number(sized(v, 8, what).readBigUInt64LE(0));

/** NLA_NUL_STRING: up to the first NUL. */
export function readString(v: Buffer): string {
  const nul = v.indexOf(0);
  return v.subarray(0, nul < 0 ? v.length : nul).toString('utf8');
}
