// The IPVS generic netlink family ("IPVS", version 1), requests side: the numbers of
// <linux/ip_vs.h> (checked against Linux 6.1's header) and each IpvsOperation as the
// command and attributes ipvsadm's libipvs sends for the same -A/-E/-D/-a/-e/-d, written in
// place into a batch's buffer (NetlinkWriter, netlink-wire.ts). Pure.
import { isIpv6, type Destination, type Forwarding, type ServiceKey, type VirtualService } from '../model';
import type { IpvsOperation } from '../operations';
import { addressBytes, dottedQuad } from './ip-address-bytes';
import { canonicalFlags } from './ipvsadm-format';
import { NetlinkWriter, align4 } from './netlink-wire';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD = {
  NEW_SERVICE: 1, SET_SERVICE: 2, DEL_SERVICE: 3, GET_SERVICE: 4,
  NEW_DEST: 5, SET_DEST: 6, DEL_DEST: 7, GET_DEST: 8,
} as const;

export const IPVS_CMD_ATTR = { SERVICE: 1, DEST: 2 } as const;

export const IPVS_SVC_ATTR = {
  AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8,
  NETMASK: 9, STATS: 10, PE_NAME: 11, STATS64: 12,
} as const;

export const IPVS_DEST_ATTR = {
  ADDR: 1, PORT: 2, FWD_METHOD: 3, WEIGHT: 4, U_THRESH: 5, L_THRESH: 6, ACTIVE_CONNS: 7,
  INACT_CONNS: 8, PERSIST_CONNS: 9, STATS: 10, ADDR_FAMILY: 11, STATS64: 12, TUN_TYPE: 13,
  TUN_PORT: 14, TUN_FLAGS: 15,
} as const;

export const IPVS_STATS_ATTR = { CONNS: 1, INPKTS: 2, OUTPKTS: 3, INBYTES: 4, OUTBYTES: 5 } as const;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** ip_vs.h IP_VS_SVC_F_*: HASHED is the kernel's own and never sent. */
export const SVC_F = { PERSISTENT: 0x1, HASHED: 0x2, ONEPACKET: 0x4, SCHED1: 0x8, SCHED2: 0x10, SCHED3: 0x20 } as const;

/** ip_vs.h IP_VS_CONN_F_* forwarding methods (the low three bits); MASQ is 0, not 1. */
export const FWD = { MASQ: 0, LOCALNODE: 1, TUNNEL: 2, DROUTE: 3, MASK: 0x7 } as const;

export const FWD_OF: Readonly<Record<Forwarding, number>> = { nat: FWD.MASQ, tun: FWD.TUNNEL, dr: FWD.DROUTE };

/** IP_VS_CONN_F_TUNNEL_TYPE_*: ipvsadm's -i is ipip. */
export const TUNNEL_TYPES = ['ipip', 'gue', 'gre'] as const;

/** sh and mh name SCHED1 and SCHED2 (ip_vs_sh.c, ip_vs_mh.c); no scheduler names SCHED3. */
export const FLAG_BIT = { 'sh-fallback': SVC_F.SCHED1, 'sh-port': SVC_F.SCHED2, 'mh-fallback': SVC_F.SCHED1, 'mh-port': SVC_F.SCHED2 } as const;

/** What ipvsadm uses when -p has no -M: one client address. */
const DEFAULT_NETMASK_V4 = Buffer.from([255, 255, 255, 255]);
const DEFAULT_PREFIX_V6 = 128;

export function keyFamily(key: ServiceKey): number {
  const v6 = key.kind === 'fwmark' ? key.family === 'inet6' : isIpv6(key.vip);
  return v6 ? AF_INET6 : AF_INET;
}

/** Addresses already encoded: a 220,000-operation batch names the same few thousand again and again. */
const inetAddrCache = new Map<string, Buffer>();
const INET_ADDR_CACHE_MAX = 65_536;

/** union nf_inet_addr: 16 bytes, an IPv4 address in the first four. Callers must not change it. */
export function inetAddr(address: string): Buffer {
  let encoded = inetAddrCache.get(address);
  if (encoded === undefined) {
    encoded = Buffer.alloc(16);
    addressBytes(address).copy(encoded);
    if (inetAddrCache.size >= INET_ADDR_CACHE_MAX) inetAddrCache.clear();
    inetAddrCache.set(address, encoded);
  }
  return encoded;
}

/** An address attribute (union nf_inet_addr); an IPv4 one written in place. */
function writeInetAddr(w: NetlinkWriter, type: number, address: string): void {
  const v4 = dottedQuad(address);
  if (v4 === undefined) w.bytes(type, inetAddr(address));
  else w.ipv4In16(type, v4);
}

/** The attributes that name a service: AF, then the mark or protocol, address and port. */
function writeServiceIdentity(w: NetlinkWriter, key: ServiceKey): void {
  w.u16(IPVS_SVC_ATTR.AF, keyFamily(key));
  if (key.kind === 'fwmark') {
    w.u32(IPVS_SVC_ATTR.FWMARK, key.mark);
    return;
  }
  w.u16(IPVS_SVC_ATTR.PROTOCOL, key.kind === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP);
  writeInetAddr(w, IPVS_SVC_ATTR.ADDR, key.vip);
  w.be16(IPVS_SVC_ATTR.PORT, key.port);
}

/**
 * The persistence netmask as the kernel keeps it: an IPv4 mask is a __be32, so its four
 * bytes go out in network order; an IPv6 one is the prefix length as a plain u32.
 */
function writeNetmask(w: NetlinkWriter, s: VirtualService): void {
  const mask = s.persistence?.netmask;
  if (keyFamily(s.key) === AF_INET6) w.u32(IPVS_SVC_ATTR.NETMASK, mask === undefined ? DEFAULT_PREFIX_V6 : Number(mask));
  else w.bytes(IPVS_SVC_ATTR.NETMASK, mask === undefined ? DEFAULT_NETMASK_V4 : addressBytes(mask));
}

export function serviceFlagBits(s: VirtualService): number {
  let bits = s.persistence ? SVC_F.PERSISTENT : 0;
  if (s.flags.length === 0) return bits;
  for (const f of canonicalFlags(s.flags)) bits |= FLAG_BIT[f];
  return bits;
}

/** A full service entry (what NEW_SERVICE and SET_SERVICE require: scheduler, flags, timeout, netmask). */
function writeServiceEntry(w: NetlinkWriter, s: VirtualService): void {
  const nest = w.beginNest(IPVS_CMD_ATTR.SERVICE);
  writeServiceIdentity(w, s.key);
  w.string(IPVS_SVC_ATTR.SCHED_NAME, s.scheduler);
  // struct ip_vs_flags { flags, mask }: mask ~0 as libipvs sends it (the kernel keeps HASHED itself)
  w.u32Pair(IPVS_SVC_ATTR.FLAGS, serviceFlagBits(s), 0xffffffff);
  w.u32(IPVS_SVC_ATTR.TIMEOUT, s.persistence?.timeout ?? 0);
  writeNetmask(w, s);
  w.endNest(nest);
}

/**
 * Each key object's entry, encoded once: a service's operations share its key object (the
 * diff hands the same one to its add-service and its ten add-destinations).
 */
const identityEntries = new WeakMap<ServiceKey, Buffer>();

/** Where an identity entry is written before it is copied out (one Buffer made per key, not two). */
const identityScratch = new NetlinkWriter(64);

/** The SERVICE nest that names a service (AF, mark or protocol, address, port), encoded. */
export function serviceIdentityEntry(key: ServiceKey): Buffer {
  let entry = identityEntries.get(key);
  if (entry === undefined) {
    const w = identityScratch;
    w.reset();
    const nest = w.beginNest(IPVS_CMD_ATTR.SERVICE);
    writeServiceIdentity(w, key);
    w.endNest(nest);
    entry = Buffer.from(w.written());
    identityEntries.set(key, entry);
  }
  return entry;
}

/**
 * A destination; a full entry (NEW_DEST, SET_DEST) also carries method, weight and thresholds.
 * An IPv4 one is a template with four values filled in: through the attribute writers it took
 * some forty calls, and with V8's optimizing compiler off (a one-CPU director, agent/optimizing-
 * compiler.ts) encoding a load's 22,000 operations took 69 ms on a build machine held to one
 * CPU, most of it here.
 */
function writeDestinationEntry(w: NetlinkWriter, d: Destination, full: boolean): void {
  const v4 = dottedQuad(d.address);
  if (v4 === undefined) return writeDestinationAttributes(w, d, full);
  const at = w.raw(full ? V4_DEST_FULL : V4_DEST_IDENTITY);
  w.be32At(at + V4_DEST_AT.address, v4);
  w.be16At(at + V4_DEST_AT.port, d.port);
  if (full) {
    w.u32At(at + V4_DEST_AT.forwarding, FWD_OF[d.forwarding]);
    w.u32At(at + V4_DEST_AT.weight, d.weight);
  }
}

/**
 * Where the values sit in an IPv4 DEST nest as writeDestinationAttributes lays it out: the
 * nest's header (4), ADDR's header (4) and 16 bytes, PORT's header and 2 bytes padded to 4,
 * ADDR_FAMILY likewise, then FWD_METHOD, WEIGHT, U_THRESH and L_THRESH, each a header and a
 * u32 (a test holds the template's bytes equal to the attribute writers' for any destination).
 */
const V4_DEST_AT = { address: 8, port: 28, forwarding: 44, weight: 52 } as const;

/** An IPv4 destination's DEST nest with every value zero, as the attribute writers write it. */
function v4DestinationTemplate(full: boolean): Buffer {
  const w = new NetlinkWriter(128);
  writeDestinationAttributes(w, { address: '0.0.0.0', port: 0, weight: 0, forwarding: 'nat' }, full);
  return Buffer.from(w.written());
}

const V4_DEST_FULL = v4DestinationTemplate(true);
const V4_DEST_IDENTITY = v4DestinationTemplate(false);

/** A destination's DEST nest through the attribute writers, one at a time (any address family). */
function writeDestinationAttributes(w: NetlinkWriter, d: Destination, full: boolean): void {
  const nest = w.beginNest(IPVS_CMD_ATTR.DEST);
  writeInetAddr(w, IPVS_DEST_ATTR.ADDR, d.address);
  w.be16(IPVS_DEST_ATTR.PORT, d.port);
  w.u16(IPVS_DEST_ATTR.ADDR_FAMILY, isIpv6(d.address) ? AF_INET6 : AF_INET);
  if (full) {
    w.u32(IPVS_DEST_ATTR.FWD_METHOD, FWD_OF[d.forwarding]);
    w.u32(IPVS_DEST_ATTR.WEIGHT, d.weight);
    // lvsctl sets no connection thresholds: 0 is "none", as ipvsadm -a/-e without -x/-y
    w.u32(IPVS_DEST_ATTR.U_THRESH, 0);
    w.u32(IPVS_DEST_ATTR.L_THRESH, 0);
  }
  w.endNest(nest);
}

/**
 * ipvsadm -a/-e give a direct-routing or tunnel destination of a port service the service's
 * port whatever -r said (neither can map ports); the kernel would keep another. Doing the
 * same keeps one plan giving one table through either backend.
 */
export function asIpvsadmSends(key: ServiceKey, d: Destination): Destination {
  if (key.kind === 'fwmark' || d.forwarding === 'nat' || d.port === key.port) return d;
  return { ...d, port: key.port };
}

/**
 * Writes the operation's attributes in place (a batch message's, after its headers) and
 * returns its command: the same command and attributes libipvs sends for -A/-E/-D/-a/-e/-d.
 */
export function writeOperation(w: NetlinkWriter, op: IpvsOperation): number {
  switch (op.op) {
    case 'add-service':
      writeServiceEntry(w, op.service);
      return IPVS_CMD.NEW_SERVICE;
    case 'edit-service':
      writeServiceEntry(w, op.service);
      return IPVS_CMD.SET_SERVICE;
    case 'delete-service':
      w.raw(serviceIdentityEntry(op.service.key));
      return IPVS_CMD.DEL_SERVICE;
    case 'add-destination':
      w.raw(serviceIdentityEntry(op.key));
      writeDestinationEntry(w, asIpvsadmSends(op.key, op.destination), true);
      return IPVS_CMD.NEW_DEST;
    case 'edit-destination':
      w.raw(serviceIdentityEntry(op.key));
      writeDestinationEntry(w, asIpvsadmSends(op.key, op.destination), true);
      return IPVS_CMD.SET_DEST;
    case 'delete-destination':
      w.raw(serviceIdentityEntry(op.key));
      writeDestinationEntry(w, op.destination, false);
      return IPVS_CMD.DEL_DEST;
  }
}

/** A command and its attributes, before the netlink and genl headers go on. */
export interface IpvsRequest {
  cmd: number;
  attrs: Buffer[];
}

/** One operation as a request of its own, its top-level attributes apart (writeOperation's bytes). */
export function operationRequest(op: IpvsOperation): IpvsRequest {
  const w = new NetlinkWriter(256);
  const cmd = writeOperation(w, op);
  const attrs: Buffer[] = [];
  const bytes = w.written();
  for (let at = 0; at < bytes.length;) {
    const end = at + align4(bytes.readUInt16LE(at));
    attrs.push(Buffer.from(bytes.subarray(at, end)));
    at = end;
  }
  return { cmd, attrs };
}

/** GET_SERVICE as a dump: every service of this network namespace. */
export const serviceDumpRequest = (): IpvsRequest => ({ cmd: IPVS_CMD.GET_SERVICE, attrs: [] });

/** GET_SERVICE for one service (not a dump): its NEW_SERVICE message, or ESRCH when the kernel has none. */
export const serviceGetRequest = (key: ServiceKey): IpvsRequest => ({ cmd: IPVS_CMD.GET_SERVICE, attrs: [serviceIdentityEntry(key)] });

/** GET_DEST as a dump: one service's destinations (the kernel has no dump of all of them). */
export const destinationDumpRequest = (key: ServiceKey): IpvsRequest => ({ cmd: IPVS_CMD.GET_DEST, attrs: [serviceIdentityEntry(key)] });
