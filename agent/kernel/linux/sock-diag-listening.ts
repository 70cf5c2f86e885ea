// The TCP listeners of this host over sock_diag (what `ss -ltn` asks): the kernel filters by
// state, so a realserver with 50,000 connections answers with its few listeners, where
// /proc/net/tcp lists (and the agent would parse) every socket at each self-check round.
// One socket per read, opened and closed like the route netlink reads.
import { AF_INET, AF_INET6, decodeDiagMessage, SOCK_DIAG_BY_FAMILY, TCP_LISTEN, tcpDumpRequest } from '../../../lvs/formats/inet-diag';
import type { ListeningSocket, ReadListening } from '../listening-sockets';
import { NetlinkChannel, NetlinkError } from './netlink-channel';
import type { RawNetlinkSocketFactory } from './netlink-socket';

export interface SockDiagLimits {
  timeoutMs: number;
  maxDumpBytes: number;
}

/** 72 bytes a listener: a million of them is past any realserver. */
export const SOCK_DIAG_LIMITS: SockDiagLimits = { timeoutMs: 10_000, maxDumpBytes: 64 * 1024 * 1024 };

class SockDiagChannel extends NetlinkChannel {
  constructor(socket: ReturnType<RawNetlinkSocketFactory>, private readonly limits: SockDiagLimits) {
    super(socket, limits.timeoutMs);
  }

  async listeners(family: number): Promise<ListeningSocket[]> {
    const seq = this.nextSeq();
    const what = `reading the TCP listeners (sock_diag dump, ${family === AF_INET ? 'IPv4' : 'IPv6'})`;
    const payloads = await this.collectDump(what, tcpDumpRequest(family, 1 << TCP_LISTEN, seq), seq, SOCK_DIAG_BY_FAMILY, this.limits.maxDumpBytes);
    return payloads.map(decodeDiagMessage).filter((s) => s.state === TCP_LISTEN).map((s) => ({ address: s.address, port: s.port, ...(s.v6only !== undefined ? { v6only: s.v6only } : {}) }));
  }
}

/** IPv4 then IPv6 listeners; a kernel that refuses the IPv6 dump (IPv6 disabled) has none. */
export function sockDiagListeningReader(open: RawNetlinkSocketFactory, limits: SockDiagLimits = SOCK_DIAG_LIMITS): ReadListening {
  return async () => {
    const channel = new SockDiagChannel(open(), limits);
    try {
      const v4 = await channel.listeners(AF_INET);
      const v6 = await channel.listeners(AF_INET6).catch((error: unknown) => {
        if (error instanceof NetlinkError) return [];
        throw error;
      });
      return [...v4, ...v6];
    } finally {
      channel.close();
    }
  };
}

/**
 * sock_diag while it works; /proc/net/tcp from the first time the kernel refuses it (no
 * inet_diag in this kernel), said once through `onFallback`.
 */
export function listeningReaderWithFallback(primary: ReadListening, fallback: ReadListening, onFallback: (why: string) => void): ReadListening {
  let useFallback = false;
  return async () => {
    if (useFallback) return fallback();
    try {
      return await primary();
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
      useFallback = true;
      onFallback(error.message);
      return fallback();
    }
  };
}
