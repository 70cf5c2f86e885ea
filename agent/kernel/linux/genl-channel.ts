// Generic netlink exchanges over one raw socket: resolve a family by name, run a dump to its
// NLMSG_DONE, and send a batch of commands packed into few sendmsg calls. One exchange at a
// time per channel (the kernel runs one dump per socket); callers wanting parallel dumps open
// several channels. Every exchange is bounded in time, and a dump in bytes (netlink-channel.ts).
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, NLMSG_ERROR, NLM_F_ACK,
  NLM_F_DUMP, NLM_F_REQUEST, align4, genlBody, genlMessage, parseAttrs, parseError, readU16, stringAttr,
} from '../../../lvs/formats/netlink-wire';
import { NetlinkChannel, NetlinkError } from './netlink-channel';
import type { RawNetlinkSocket } from './netlink-socket';

export { NetlinkError as GenlError, errnoName } from './netlink-channel';

export interface GenlChannelOptions {
  /** how long one exchange (a dump, one sendmsg of a batch) may wait for the kernel */
  timeoutMs: number;
  /** the most bytes one dump may return before it is abandoned */
  maxDumpBytes: number;
  /** the most bytes of messages in one sendmsg */
  batchBytes: number;
}

/** A command of a family, before the headers go on. */
export interface GenlCommand {
  cmd: number;
  attrs: Buffer[];
}

/**
 * What an error reply to a batch message costs in the receive buffer, at most: the echoed
 * request plus skb overhead (sk_buff and shared info, ~1 KiB with slab rounding). A sendmsg
 * is cut so that even if every message in it fails, the replies fit: the kernel drops
 * replies to a full socket (ENOBUFS) and we could no longer say which operation failed.
 */
const REPLY_OVERHEAD_BYTES = 1024;

export class GenlChannel extends NetlinkChannel {
  constructor(socket: RawNetlinkSocket, private readonly options: GenlChannelOptions) {
    super(socket, options.timeoutMs);
  }

  /** The family's id, or undefined when the kernel has no such family (its module not loaded). */
  async resolveFamily(name: string): Promise<number | undefined> {
    const seq = this.nextSeq();
    const message = genlMessage({ family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 1, flags: NLM_F_REQUEST, seq, attrs: [stringAttr(CTRL_ATTR_FAMILY_NAME, name)] });
    return this.exchange<number | undefined>(`generic netlink family "${name}"`, message, (m, done, fail) => {
      if (m.seq !== seq) return;
      if (m.type === NLMSG_ERROR) {
        const { errno } = parseError(m.payload);
        if (errno === 2 /* ENOENT */) return done(undefined);
        return fail(new NetlinkError(errno, `looking up the generic netlink family "${name}"`));
      }
      if (m.type !== GENL_ID_CTRL) return;
      const id = parseAttrs(genlBody(m.payload).attrs).get(CTRL_ATTR_FAMILY_ID);
      if (id === undefined) return fail(new Error(`the kernel's answer for the family "${name}" has no id`));
      done(readU16(id, 'family id'));
    });
  }

  /** Every reply message's attributes, in order, up to NLMSG_DONE. */
  async dump(family: number, version: number, command: GenlCommand, what: string): Promise<Buffer[]> {
    const seq = this.nextSeq();
    const message = genlMessage({ family, cmd: command.cmd, version, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, attrs: command.attrs });
    const payloads = await this.collectDump(what, message, seq, family, this.options.maxDumpBytes);
    return payloads.map((p) => genlBody(p).attrs);
  }

  /**
   * One request answered by one message: its attributes, or undefined when the kernel answers
   * `absentErrno` (what it says when the object asked for does not exist).
   */
  async request(family: number, version: number, command: GenlCommand, what: string, absentErrno: number): Promise<Buffer | undefined> {
    const seq = this.nextSeq();
    const message = genlMessage({ family, cmd: command.cmd, version, flags: NLM_F_REQUEST, seq, attrs: command.attrs });
    return this.exchange<Buffer | undefined>(what, message, (m, done, fail) => {
      if (m.seq !== seq) return;
      if (m.type === NLMSG_ERROR) {
        const { errno } = parseError(m.payload);
        return errno === absentErrno ? done(undefined) : fail(new NetlinkError(errno, what));
      }
      if (m.type === family) done(genlBody(m.payload).attrs);
    });
  }

  /**
   * Sends the commands in order, as few sendmsg calls as the limits allow. In each call only
   * the last message asks for an ACK; the kernel answers every failed one with an
   * NLMSG_ERROR anyway and goes on with the next. Returns the errno of each refused command
   * by its index; the others took effect.
   */
  async batch(family: number, version: number, commands: readonly GenlCommand[]): Promise<Map<number, number>> {
    const refused = new Map<number, number>();
    const budget = Math.floor(this.socket.receiveBufferBytes() / 2);
    let at = 0;
    while (at < commands.length) {
      const firstSeq = this.seq;
      const parts: Buffer[] = [];
      let bytes = 0;
      let replies = 0;
      const start = at;
      while (at < commands.length) {
        const message = genlMessage({ family, cmd: commands[at].cmd, version, flags: NLM_F_REQUEST, seq: firstSeq + (at - start), attrs: commands[at].attrs });
        const reply = REPLY_OVERHEAD_BYTES + align4(message.length);
        if (parts.length > 0 && (bytes + message.length > this.options.batchBytes || replies + reply > budget)) break;
        parts.push(message);
        bytes += message.length;
        replies += reply;
        at += 1;
      }
      // the last message of this sendmsg asks for the ACK that says the kernel is through it
      const last = parts[parts.length - 1];
      last.writeUInt16LE(last.readUInt16LE(6) | NLM_F_ACK, 6);
      const lastSeq = firstSeq + parts.length - 1;
      this.seq = lastSeq + 1;
      await this.exchange<void>(`IPVS batch (commands ${start + 1}-${at} of ${commands.length})`, Buffer.concat(parts), (m, done) => {
        if (m.type !== NLMSG_ERROR || m.seq < firstSeq || m.seq > lastSeq) return;
        const { errno } = parseError(m.payload);
        if (errno !== 0) refused.set(start + (m.seq - firstSeq), errno);
        if (m.seq === lastSeq) done(undefined);
      });
    }
    return refused;
  }
}
