// Route netlink (NETLINK_ROUTE) as a realserver reads it: the dump requests for links,
// addresses, routes and IPv6 proxy neighbours, and their replies decoded, as
// <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h> and <linux/neighbour.h> lay them
// out. Each message is the nlmsghdr, a fixed header of its type (ifinfomsg 16 bytes,
// ifaddrmsg 8, rtmsg 12, ndmsg 12), then attributes. Pure; the exchange is
// agent/kernel/linux/rtnetlink-channel.ts.
import { formatAddress } from './ip-address-bytes';
import { linkTypeName } from './rtnetlink-link-types';
import { NLM_F_DUMP, NLM_F_REQUEST, NetlinkFormatError, align4, netlinkMessage, parseAttrs, readString, readU32 } from './netlink-wire';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_GETNEIGH = 30;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** struct ifinfomsg: family u8, pad u8, type u16 (ARPHRD_*), index s32, flags u32, change u32 */
export const IFINFOMSG_LEN = 16;
/** struct ifaddrmsg: family u8, prefixlen u8, flags u8, scope u8, index u32 */
export const IFADDRMSG_LEN = 8;
/** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags u32 */
export const RTMSG_LEN = 12;
/** struct ndmsg: family u8, pad u8, pad u16, ifindex s32, state u16, flags u8, type u8 */
export const NDMSG_LEN = 12;
/** struct rtnexthop: len u16, flags u8, hops u8, ifindex s32, then the hop's attributes */
const RTNEXTHOP_LEN = 8;

export const IFF_UP = 0x1;
export const IFLA_IFNAME = 3;
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_MULTIPATH = 9;
/** the route's metric (ip's "metric N") */
export const RTA_PRIORITY = 6;
export const RTA_TABLE = 15;
export const RT_TABLE_MAIN = 254;
export const NDA_DST = 1;
/** a proxy entry (`ip neigh add proxy`); asked for in a dump request, the kernel dumps only those */
export const NTF_PROXY = 0x08;
/** a cached clone (an exception route), not a route of the table */
export const RTM_F_CLONED = 0x200;

/** A dump request of `type` whose fixed header is `headerLen` zero bytes but for the family in its first byte. */
export function rtnlDumpRequest(type: number, headerLen: number, family: number, seq: number): Buffer {
  const header = Buffer.alloc(headerLen);
  header.writeUInt8(family, 0);
  return netlinkMessage(type, NLM_F_REQUEST | NLM_F_DUMP, seq, header);
}

export const linkDumpRequest = (seq: number): Buffer => rtnlDumpRequest(RTM_GETLINK, IFINFOMSG_LEN, AF_UNSPEC, seq);
export const addressDumpRequest = (seq: number): Buffer => rtnlDumpRequest(RTM_GETADDR, IFADDRMSG_LEN, AF_UNSPEC, seq);
export const routeDumpRequest = (family: number, seq: number): Buffer => rtnlDumpRequest(RTM_GETROUTE, RTMSG_LEN, family, seq);

/** The IPv6 proxy neighbour entries (`ip -6 neigh show proxy`): ndm_flags NTF_PROXY asks for the proxy table. */
export function proxyNeighbourDumpRequest(seq: number): Buffer {
  const request = rtnlDumpRequest(RTM_GETNEIGH, NDMSG_LEN, AF_INET6, seq);
  request.writeUInt8(NTF_PROXY, 16 + 10);
  return request;
}

function fixedHeader(payload: Buffer, len: number, what: string): { header: Buffer; attrs: Map<number, Buffer> } {
  if (payload.length < len) throw new NetlinkFormatError(`${what} of ${payload.length} bytes (its header alone is ${len})`);
  return { header: payload.subarray(0, len), attrs: parseAttrs(payload.subarray(align4(len))) };
}

export interface RtLink {
  index: number;
  name: string;
  /** the link type as `ip` names it: "ether", "loopback", "ipip", "none", … */
  linkType: string;
  /** the ifi_flags (IFF_*) */
  flags: number;
  /** IFLA_LINKINFO's kind: "dummy", "veth", "ipip", …; absent for a device without a driver kind */
  kind?: string;
}

/** One RTM_NEWLINK of a link dump. */
export function decodeLink(payload: Buffer): RtLink {
  const { header, attrs } = fixedHeader(payload, IFINFOMSG_LEN, 'a link message');
  const index = header.readInt32LE(4);
  const name = attrs.get(IFLA_IFNAME);
  if (name === undefined) throw new NetlinkFormatError(`the link with index ${index} has no name (IFLA_IFNAME)`);
  const linkinfo = attrs.get(IFLA_LINKINFO);
  const kind = linkinfo === undefined ? undefined : parseAttrs(linkinfo).get(IFLA_INFO_KIND);
  return {
    index,
    name: readString(name),
    linkType: linkTypeName(header.readUInt16LE(2)),
    flags: header.readUInt32LE(8),
    ...(kind !== undefined ? { kind: readString(kind) } : {}),
  };
}

export interface RtAddress {
  /** the link's index */
  index: number;
  family: number;
  prefixlen: number;
  /** the address itself, as `ip` prints "local"; absent for a family that is not IPv4 or IPv6 */
  local?: string;
}

function addressText(family: number, bytes: Buffer | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const size = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
  if (size === 0) return undefined;
  if (bytes.length !== size) throw new NetlinkFormatError(`an address of family ${family} has ${bytes.length} bytes, not ${size}`);
  return formatAddress(bytes);
}

/**
 * One RTM_NEWADDR of an address dump. The address is IFA_LOCAL, else IFA_ADDRESS: on a
 * point-to-point link IFA_ADDRESS is the peer and IFA_LOCAL ours; elsewhere they are the same
 * or only IFA_ADDRESS is sent (IPv6).
 */
export function decodeAddress(payload: Buffer): RtAddress {
  const { header, attrs } = fixedHeader(payload, IFADDRMSG_LEN, 'an address message');
  const family = header.readUInt8(0);
  const local = addressText(family, attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS));
  return { index: header.readUInt32LE(4), family, prefixlen: header.readUInt8(1), ...(local !== undefined ? { local } : {}) };
}

export interface RtNextHop {
  gateway?: string;
  /** the output link's index */
  oif?: number;
}

export interface RtRoute {
  family: number;
  dstLen: number;
  /** RTA_TABLE when sent (tables above 255), else rtm_table */
  table: number;
  /** a cached clone, not a route of the table */
  cloned: boolean;
  gateway?: string;
  oif?: number;
  /** RTA_PRIORITY: the metric; the kernel takes the lowest of two routes to one prefix (absent: 0) */
  priority?: number;
  /** RTA_MULTIPATH's hops; empty for a route with one */
  nexthops: RtNextHop[];
}

function nextHops(family: number, buf: Buffer): RtNextHop[] {
  const out: RtNextHop[] = [];
  let at = 0;
  while (at + RTNEXTHOP_LEN <= buf.length) {
    const len = buf.readUInt16LE(at);
    if (len < RTNEXTHOP_LEN || at + len > buf.length) {
      throw new NetlinkFormatError(`a multipath hop at byte ${at} says it is ${len} bytes long; ${buf.length - at} are left`);
    }
    const gateway = addressText(family, parseAttrs(buf.subarray(at + RTNEXTHOP_LEN, at + len)).get(RTA_GATEWAY));
    out.push({ ...(gateway !== undefined ? { gateway } : {}), oif: buf.readInt32LE(at + 4) });
    at += align4(len);
  }
  return out;
}

/** One RTM_NEWROUTE of a route dump. */
export function decodeRoute(payload: Buffer): RtRoute {
  const { header, attrs } = fixedHeader(payload, RTMSG_LEN, 'a route message');
  const family = header.readUInt8(0);
  const table = attrs.get(RTA_TABLE);
  const gateway = addressText(family, attrs.get(RTA_GATEWAY));
  const oif = attrs.get(RTA_OIF);
  const multipath = attrs.get(RTA_MULTIPATH);
  const priority = attrs.get(RTA_PRIORITY);
  return {
    family,
    dstLen: header.readUInt8(1),
    table: table === undefined ? header.readUInt8(4) : readU32(table, 'RTA_TABLE'),
    cloned: (header.readUInt32LE(8) & RTM_F_CLONED) !== 0,
    ...(gateway !== undefined ? { gateway } : {}),
    ...(oif !== undefined ? { oif: readU32(oif, 'RTA_OIF') } : {}),
    ...(priority !== undefined ? { priority: readU32(priority, 'RTA_PRIORITY') } : {}),
    nexthops: multipath === undefined ? [] : nextHops(family, multipath),
  };
}

/** The routes `ip route show default` lists: the main table's, to 0/0, not cached clones. */
export function isMainDefaultRoute(route: RtRoute): boolean {
  return route.table === RT_TABLE_MAIN && route.dstLen === 0 && !route.cloned;
}

export interface RtNeighbour {
  family: number;
  /** the link's index; 0 for an entry on no device */
  index: number;
  /** the ndm_flags (NTF_*) */
  flags: number;
  address?: string;
}

/** One RTM_NEWNEIGH of a neighbour dump. */
export function decodeNeighbour(payload: Buffer): RtNeighbour {
  const { header, attrs } = fixedHeader(payload, NDMSG_LEN, 'a neighbour message');
  const family = header.readUInt8(0);
  const address = addressText(family, attrs.get(NDA_DST));
  return { family, index: header.readInt32LE(4), flags: header.readUInt8(10), ...(address !== undefined ? { address } : {}) };
}
