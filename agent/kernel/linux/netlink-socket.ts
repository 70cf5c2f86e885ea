// A raw netlink socket (generic netlink for IPVS, route netlink for a realserver's addresses
// and routes) from the `netlink` package (0.3.0: a prebuilt N-API socket for linux x64/arm64,
// no compiler at install). Only its lowest layer is loaded (`netlink/dist/raw`: the package's
// index also loads its generic and route netlink modules, ~8 MB of RSS we do not use). One sendmsg per
// Buffer we hand it (so a batch of messages goes in one call) and one 'message' event per
// datagram received (its size peeked, then read whole into a buffer of that size). Framing, sequence numbers,
// dumps and ACKs are ours (netlink-channel.ts). The package is loaded on first use, not at
// import, so an agent where it cannot load still starts (on ipvsadm, or reading with `ip -j`).
import { errorMessage } from '../../../lvs/errors';
import { endianness } from 'node:os';
import { NETLINK_GENERIC } from '../../../lvs/formats/netlink-wire';

/** What the rest of the agent needs of a netlink socket; faked in tests. */
export interface RawNetlinkSocket {
  /** one sendmsg of the whole buffer to the kernel */
  send(data: Buffer): Promise<void>;
  /** every datagram from the kernel (port 0); others are dropped */
  onDatagram(listener: (datagram: Buffer) => void): void;
  /** socket-level failures, e.g. ENOBUFS when the kernel dropped replies */
  onError(listener: (error: Error) => void): void;
  /** SO_RCVBUF as the kernel accounts it (twice what was asked) */
  receiveBufferBytes(): number;
  close(): void;
}

export type RawNetlinkSocketFactory = () => RawNetlinkSocket;

/** The part of the package's RawNetlinkSocket used here (its own typings need @types/node 12). */
interface PackageSocket {
  on(event: 'message', listener: (msg: Buffer, rinfo: { port: number; truncated?: number }) => void): unknown;
  on(event: 'truncatedMessage', listener: (msg: Buffer, rinfo: { port: number; truncated?: number }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  send(msg: Buffer, options: { port: number }, callback: (error?: Error) => void): void;
  close(): void;
  setRecvBufferSize(bytes: number): unknown;
  getRecvBufferSize(): number;
}

interface NetlinkPackage {
  RawNetlinkSocket: new (protocol: number, options?: { recvBufferSize?: number; messagePeeking?: boolean; msgBufferSize?: number }) => PackageSocket;
}

/** Replies to a 64 KiB batch and large dump parts fit with room; the kernel caps it at rmem_max. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/**
 * IPVS (generic netlink): big batches and dumps, so a big receive buffer. Route netlink: a
 * realserver's few-datagram dumps every few seconds, so the kernel's default. Both read each
 * datagram as the package does by default: its size peeked (a second recvmsg), then read into
 * a buffer of that size. Read at once into a fixed buffer instead, every datagram costs one:
 * the package allocates it zero-filled (64 KiB were 16 fresh pages) and V8, counting it at the
 * datagram's size, frees it late. That grew a realserver's RSS ~12 MB over 30 verifies, and a
 * 2,000 × 10 load's ipvsBatch (its few dozen ACKs) took 900-1,375 page faults and 460-770 ms in the
 * lab guest, where a page fault costs 0.13-0.3 ms and a syscall far less: peeked, 143-145
 * page faults and 316-337 ms (trials of `npm run bench` with BENCH_SKIP_BASELINES=1).
 */
function socketOptions(protocol: number): { recvBufferSize?: number; messagePeeking: boolean } {
  return protocol === NETLINK_GENERIC
    ? { recvBufferSize: RECEIVE_BUFFER_BYTES, messagePeeking: true }
    : { messagePeeking: true };
}

/**
 * The factory of sockets of one netlink protocol (NETLINK_GENERIC, NETLINK_ROUTE), or why
 * there is none: the package missing or failing to load (no prebuild for this platform), or a
 * big-endian host (netlink is host order; the codec writes little-endian).
 */
export function loadNetlinkSockets(protocol: number = NETLINK_GENERIC): RawNetlinkSocketFactory | Error {
  if (endianness() !== 'LE') return new Error('the netlink codec is little-endian only and this host is big-endian');
  let pkg: NetlinkPackage;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pkg = require('netlink/dist/raw') as NetlinkPackage;
  } catch (error) {
    return new Error(`the netlink package does not load: ${errorMessage(error).split('\n')[0]}`);
  }
  return () => wrap(new pkg.RawNetlinkSocket(protocol, socketOptions(protocol)));
}

function wrap(socket: PackageSocket): RawNetlinkSocket {
  let closed = false;
  const errorListeners: Array<(error: Error) => void> = [];
  // listened to from the start: an 'error' event nobody listens to would throw in the event loop
  const failed = (error: Error): void => errorListeners.forEach((l) => l(error));
  socket.on('error', failed);
  socket.on('truncatedMessage', (_msg, rinfo) => failed(new Error(`a netlink reply of ${rinfo.truncated ?? '?'} bytes was truncated`)));
  return {
    send: (data) =>
      new Promise((resolve, reject) => {
        socket.send(data, { port: 0 }, (error) => (error ? reject(error) : resolve()));
      }),
    onDatagram: (listener) => {
      socket.on('message', (msg, rinfo) => {
        if (rinfo.port === 0) listener(msg);
      });
    },
    onError: (listener) => {
      errorListeners.push(listener);
    },
    receiveBufferBytes: () => socket.getRecvBufferSize(),
    close: () => {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
