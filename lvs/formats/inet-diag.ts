// The kernel's socket table as sock_diag (NETLINK_SOCK_DIAG) gives it, the way `ss -ltn`
// reads it: one dump per address family, filtered by TCP state in the kernel, so asking for
// the listeners returns only them, however many connections the host has (include/uapi/
// linux/inet_diag.h: struct inet_diag_req_v2 and struct inet_diag_msg).
import { formatAddress } from './ip-address-bytes';
import { NetlinkFormatError, netlinkMessage, NLM_F_DUMP, NLM_F_REQUEST, parseAttrs } from './netlink-wire';

export const NETLINK_SOCK_DIAG = 4;
export const SOCK_DIAG_BY_FAMILY = 20;
export const AF_INET = 2;
export const AF_INET6 = 10;
const IPPROTO_TCP = 6;
export const TCP_LISTEN = 10;

/** the attribute an IPv6 socket's message carries: IPV6_V6ONLY (one byte) */
const INET_DIAG_SKV6ONLY = 11;

/** inet_diag_req_v2: family, protocol, ext, pad, states; then an inet_diag_sockid (48 bytes) left zero. */
const REQ_LEN = 56;
/** inet_diag_msg: family, state, timer, retrans, the sockid (48 bytes), then five u32 */
const MSG_LEN = 72;

/** A dump of the TCP sockets of one family in the given states (a bit per state: 1 << TCP_LISTEN). */
export function tcpDumpRequest(family: number, states: number, seq: number): Buffer {
  const body = Buffer.alloc(REQ_LEN);
  body.writeUInt8(family, 0);
  body.writeUInt8(IPPROTO_TCP, 1);
  body.writeUInt32LE(states >>> 0, 4);
  return netlinkMessage(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, body);
}

export interface DiagSocket {
  family: number;
  state: number;
  /** the local address as `ip` writes it ("0.0.0.0", "::", "::ffff:10.0.0.1") */
  address: string;
  port: number;
  /** an IPv6 socket that takes no IPv4 connection (IPV6_V6ONLY); absent for IPv4 */
  v6only?: boolean;
}

/** One inet_diag_msg (the payload of a SOCK_DIAG_BY_FAMILY reply); its port and addresses are in network order. */
export function decodeDiagMessage(payload: Buffer): DiagSocket {
  if (payload.length < MSG_LEN) throw new NetlinkFormatError(`an inet_diag_msg of ${payload.length} bytes (it is ${MSG_LEN})`);
  const family = payload.readUInt8(0);
  if (family !== AF_INET && family !== AF_INET6) throw new NetlinkFormatError(`an inet_diag_msg of address family ${family}`);
  const src = payload.subarray(8, family === AF_INET ? 12 : 24);
  const socket: DiagSocket = { family, state: payload.readUInt8(1), address: formatAddress(Buffer.from(src)), port: payload.readUInt16BE(4) };
  if (family === AF_INET6) {
    const v6only = parseAttrs(payload.subarray(MSG_LEN)).get(INET_DIAG_SKV6ONLY);
    if (v6only !== undefined && v6only.length >= 1) socket.v6only = v6only.readUInt8(0) !== 0;
  }
  return socket;
}
