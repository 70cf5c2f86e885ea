// A kernel at the netlink byte level, for testing the netlink IPVS backend without IPVS: it
// answers CTRL_CMD_GETFAMILY, runs the IPVS service and destination dumps (several messages a
// datagram, NLMSG_DONE in its own), and applies NEW/SET/DEL commands with the kernel's errnos
// (ip_vs_ctl.c: EEXIST, ESRCH, ENOENT), answering a failure always and a success only when it
// asked for an ACK. It keeps each service and destination as the attribute bytes it was sent
// and echoes them in dumps, so it shares no table logic with the backend it tests.
import { constants } from 'node:os';
import type { RawNetlinkSocket, RawNetlinkSocketFactory } from '../../../agent/kernel/linux/netlink-socket';
import { IPVS_CMD, IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_STATS_ATTR, IPVS_SVC_ATTR } from '../../../lvs/formats/ipvs-netlink';
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK,
  NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, attr, genlBody, nestedAttr, parseAttrs, readString, splitMessages,
  stringAttr, u16Attr, u32Attr, type NetlinkMessage,
} from '../../../lvs/formats/netlink-wire';

const E = constants.errno;
const FAMILY_ID = 0x1c;

interface StoredService {
  /** the SERVICE nest's attributes as last sent */
  attrs: Buffer;
  dests: Map<string, Buffer>;
}

export interface SendRecord {
  bytes: number;
  messages: number;
  /** how many of them asked for an ACK */
  acks: number;
}

export class FakeGenlKernel {
  /** false: the family is not registered (ip_vs not loaded) */
  ipvsLoaded = true;
  /** schedulers whose module is "loaded"; another is ENOENT, as in the kernel */
  schedulers = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']);
  /** the next batch's replies are lost and the socket reports ENOBUFS instead */
  overrunNextBatch = false;
  readonly sends: SendRecord[] = [];
  /** sockets opened and not yet closed */
  openSockets = 0;
  /** sockets opened in all */
  socketsOpened = 0;
  /** true: the kernel takes every message and never answers (a hung exchange) */
  silent = false;
  private readonly services = new Map<string, StoredService>();

  sockets(): RawNetlinkSocketFactory {
    return () => this.socket();
  }

  /** Service keys as stored, for assertions. */
  serviceCount(): number {
    return this.services.size;
  }

  clear(): void {
    this.services.clear();
  }

  private socket(): RawNetlinkSocket {
    const listeners: Array<(d: Buffer) => void> = [];
    const errorListeners: Array<(e: Error) => void> = [];
    let closed = false;
    this.openSockets += 1;
    this.socketsOpened += 1;
    return {
      send: async (data) => {
        if (closed) throw new Error('socket closed');
        const messages = splitMessages(data);
        this.sends.push({ bytes: data.length, messages: messages.length, acks: messages.filter((m) => (m.flags & NLM_F_ACK) !== 0).length });
        const overrun = this.overrunNextBatch && messages.length > 1;
        if (overrun) this.overrunNextBatch = false;
        const replies = messages.flatMap((m) => this.handle(m));
        // the kernel has processed the whole sendmsg before it returns; replies are read later
        setImmediate(() => {
          if (closed || this.silent) return;
          if (overrun) return errorListeners.forEach((l) => l(Object.assign(new Error('recvmsg failed: No buffer space available'), { code: 'ENOBUFS' })));
          for (const r of replies) listeners.forEach((l) => l(r));
        });
      },
      onDatagram: (l) => listeners.push(l),
      onError: (l) => errorListeners.push(l),
      receiveBufferBytes: () => 425_984,
      close: () => {
        if (!closed) this.openSockets -= 1;
        closed = true;
      },
    };
  }

  /** The datagrams the kernel queues for one message. */
  private handle(m: NetlinkMessage): Buffer[] {
    if ((m.flags & NLM_F_REQUEST) === 0) return [];
    if (m.type === GENL_ID_CTRL) {
      const { cmd, attrs } = genlBody(m.payload);
      const name = parseAttrs(attrs).get(CTRL_ATTR_FAMILY_NAME);
      if (cmd !== CTRL_CMD_GETFAMILY || name === undefined || readString(name) !== 'IPVS' || !this.ipvsLoaded) return [errorReply(m, E.ENOENT)];
      return [message(GENL_ID_CTRL, 0, m.seq, CTRL_CMD_GETFAMILY, [u16Attr(CTRL_ATTR_FAMILY_ID, FAMILY_ID), stringAttr(CTRL_ATTR_FAMILY_NAME, 'IPVS')])];
    }
    if (m.type !== FAMILY_ID || !this.ipvsLoaded) return [errorReply(m, E.ENOENT)];
    const { cmd, attrs } = genlBody(m.payload);
    const top = parseAttrs(attrs);
    if ((m.flags & NLM_F_DUMP) === NLM_F_DUMP) return this.dump(m, cmd, top);
    const errno = this.apply(cmd, top);
    if (errno !== 0) return [errorReply(m, errno)];
    return (m.flags & NLM_F_ACK) !== 0 ? [errorReply(m, 0)] : [];
  }

  private dump(m: NetlinkMessage, cmd: number, top: Map<number, Buffer>): Buffer[] {
    const parts: Buffer[] = [];
    if (cmd === IPVS_CMD.GET_SERVICE) {
      for (const s of this.services.values()) {
        parts.push(message(FAMILY_ID, NLM_F_MULTI, m.seq, IPVS_CMD.NEW_SERVICE, [nestedAttr(IPVS_CMD_ATTR.SERVICE, [s.attrs, stats64()])]));
      }
    } else if (cmd === IPVS_CMD.GET_DEST) {
      const nest = top.get(IPVS_CMD_ATTR.SERVICE);
      const s = nest ? this.services.get(serviceId(nest)) : undefined;
      // a service that is gone dumps no destinations, with no error (ip_vs_genl_dump_dests)
      for (const d of s?.dests.values() ?? []) {
        parts.push(message(FAMILY_ID, NLM_F_MULTI, m.seq, IPVS_CMD.NEW_DEST, [nestedAttr(IPVS_CMD_ATTR.DEST, [d, u32Attr(IPVS_DEST_ATTR.ACTIVE_CONNS, 0), u32Attr(IPVS_DEST_ATTR.INACT_CONNS, 0), stats64()])]));
      }
    } else {
      return [errorReply(m, E.EOPNOTSUPP)];
    }
    // three messages a datagram, then NLMSG_DONE on its own, as a dump spread over recvmsg calls
    const datagrams: Buffer[] = [];
    for (let i = 0; i < parts.length; i += 3) datagrams.push(Buffer.concat(parts.slice(i, i + 3)));
    const done = Buffer.alloc(20);
    done.writeUInt32LE(20, 0);
    done.writeUInt16LE(NLMSG_DONE, 4);
    done.writeUInt16LE(NLM_F_MULTI, 6);
    done.writeUInt32LE(m.seq, 8);
    datagrams.push(done);
    return datagrams;
  }

  private apply(cmd: number, top: Map<number, Buffer>): number {
    const nest = top.get(IPVS_CMD_ATTR.SERVICE);
    if (nest === undefined) return E.EINVAL;
    const id = serviceId(nest);
    const service = this.services.get(id);
    const svcAttrs = parseAttrs(nest);
    const full = cmd === IPVS_CMD.NEW_SERVICE || cmd === IPVS_CMD.SET_SERVICE;
    if (full) {
      const sched = svcAttrs.get(IPVS_SVC_ATTR.SCHED_NAME);
      const required = [IPVS_SVC_ATTR.SCHED_NAME, IPVS_SVC_ATTR.FLAGS, IPVS_SVC_ATTR.TIMEOUT, IPVS_SVC_ATTR.NETMASK];
      if (required.some((t) => !svcAttrs.has(t)) || sched === undefined) return E.EINVAL;
      if (cmd === IPVS_CMD.NEW_SERVICE && service) return E.EEXIST;
      if (!this.schedulers.has(readString(sched))) return E.ENOENT;
    }
    if (cmd !== IPVS_CMD.NEW_SERVICE && !service) return E.ESRCH;
    switch (cmd) {
      case IPVS_CMD.NEW_SERVICE:
        this.services.set(id, { attrs: Buffer.from(nest), dests: new Map() });
        return 0;
      case IPVS_CMD.SET_SERVICE:
        (service as StoredService).attrs = Buffer.from(nest);
        return 0;
      case IPVS_CMD.DEL_SERVICE:
        this.services.delete(id);
        return 0;
      default: {
        const dest = top.get(IPVS_CMD_ATTR.DEST);
        if (dest === undefined) return E.EINVAL;
        const d = parseAttrs(dest);
        const addr = d.get(IPVS_DEST_ATTR.ADDR);
        const port = d.get(IPVS_DEST_ATTR.PORT);
        if (addr === undefined || port === undefined) return E.EINVAL;
        const destId = `${addr.toString('hex')}/${port.toString('hex')}`;
        const dests = (service as StoredService).dests;
        if (cmd === IPVS_CMD.NEW_DEST) {
          if (dests.has(destId)) return E.EEXIST;
          dests.set(destId, Buffer.from(dest));
          return 0;
        }
        if (!dests.has(destId)) return E.ENOENT;
        if (cmd === IPVS_CMD.SET_DEST) dests.set(destId, Buffer.from(dest));
        else if (cmd === IPVS_CMD.DEL_DEST) dests.delete(destId);
        else return E.EINVAL;
        return 0;
      }
    }
  }
}

/** A service's identity from its attributes: AF and the mark, or protocol, address and port. */
function serviceId(nest: Buffer): string {
  const a = parseAttrs(nest);
  const hex = (t: number): string => a.get(t)?.toString('hex') ?? '-';
  const fwmark = a.get(IPVS_SVC_ATTR.FWMARK);
  if (fwmark && fwmark.readUInt32LE(0) !== 0) return `${hex(IPVS_SVC_ATTR.AF)} fwm ${hex(IPVS_SVC_ATTR.FWMARK)}`;
  return `${hex(IPVS_SVC_ATTR.AF)} ${hex(IPVS_SVC_ATTR.PROTOCOL)} ${hex(IPVS_SVC_ATTR.ADDR)} ${hex(IPVS_SVC_ATTR.PORT)}`;
}

function stats64(): Buffer {
  const u64 = (t: number): Buffer => attr(t, Buffer.alloc(8));
  return nestedAttr(IPVS_SVC_ATTR.STATS64, [u64(IPVS_STATS_ATTR.CONNS), u64(IPVS_STATS_ATTR.INPKTS), u64(IPVS_STATS_ATTR.OUTPKTS), u64(IPVS_STATS_ATTR.INBYTES), u64(IPVS_STATS_ATTR.OUTBYTES)]);
}

function message(type: number, flags: number, seq: number, cmd: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs);
  const out = Buffer.alloc(20 + body.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq, 8);
  out.writeUInt8(cmd, 16);
  out.writeUInt8(1, 17);
  body.copy(out, 20);
  return out;
}

/** NLMSG_ERROR: -errno, then the request's header and (for a failure) its payload, as netlink_ack() writes it. */
function errorReply(m: NetlinkMessage, errno: number): Buffer {
  const echoed = errno === 0 ? Buffer.alloc(0) : m.payload;
  const out = Buffer.alloc(16 + 4 + 16 + echoed.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(NLMSG_ERROR, 4);
  out.writeUInt32LE(m.seq, 8);
  out.writeInt32LE(-errno, 16);
  out.writeUInt32LE(16 + m.payload.length, 20);
  out.writeUInt16LE(m.type, 24);
  out.writeUInt16LE(m.flags, 26);
  out.writeUInt32LE(m.seq, 28);
  echoed.copy(out, 36);
  return out;
}
