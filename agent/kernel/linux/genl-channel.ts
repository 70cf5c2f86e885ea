// Generic netlink exchanges over one raw socket: resolve a family by name, run a dump to its
// NLMSG_DONE, and send a batch of commands written in place into few sendmsg calls. One exchange at a
// time per channel (the kernel runs one dump per socket); callers wanting parallel dumps open
// several channels. Every exchange is bounded in time, and a dump in bytes (netlink-channel.ts).
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, NLMSG_ERROR, NLM_F_ACK,
  NLM_F_DUMP, NLM_F_REQUEST, NetlinkWriter, align4, genlBody, genlMessage, parseAttrs, parseError, readU16, stringAttr,
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
 * What an error reply to a batch message costs in the receive buffer, at most, beyond the
 * echoed request: the skb's overhead (sk_buff and shared info with slab rounding; an IPVS
 * command's error reply is a 768-byte skb in all on x86-64). A sendmsg is cut so that even if
 * every message in it fails, the replies fit: the kernel drops replies to a full socket
 * (ENOBUFS) and we could no longer say which operation failed.
 */
const REPLY_OVERHEAD_BYTES = 1024;

/** Room past the byte limit for the message that crosses it (an IPVS command is under 200 bytes; the writer grows if one is not). */
const WRITER_SLACK_BYTES = 4096;

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
   * Sends `count` commands in order, as few sendmsg calls as the limits allow, each written
   * by `write` (its attributes, after the headers this writes; it returns the command) straight
   * into one buffer that every sendmsg of the batch reuses: the next sendmsg is written only
   * once the kernel acknowledged the last, so the bytes it took are no longer needed. In each
   * call only the last message asks for an ACK; the kernel answers every failed one with an
   * NLMSG_ERROR anyway and goes on with the next. Message i carries sequence number base + i,
   * which maps each reply back to its command. Between two sendmsg calls the event loop has
   * its turn (the ACK is awaited), so the agent answers RPCs during a 220,000-command batch.
   * Returns the errno of each refused command by its index; the others took effect.
   */
  async batch(family: number, version: number, count: number, write: (index: number, w: NetlinkWriter) => number): Promise<Map<number, number>> {
    const refused = new Map<number, number>();
    // The kernel drops a reply only once what is queued passes sk_rcvbuf, the very figure
    // SO_RCVBUF reads back (twice what was asked: the doubling is for this overhead), counting
    // each reply at its skb's true size. Half of it, as before, doubled the sendmsg calls of a
    // load (118 for 22,000 commands at the usual rmem_max) for a margin REPLY_OVERHEAD_BYTES holds already.
    const budget = this.socket.receiveBufferBytes();
    const limit = this.options.batchBytes;
    const writer = new NetlinkWriter(limit + WRITER_SLACK_BYTES);
    const base = this.seq;
    this.seq += count;
    let index = 0;
    while (index < count) {
      const first = index;
      let replies = 0;
      let lastStart = 0;
      writer.reset();
      while (index < count) {
        const start = writer.at;
        writer.beginGenl(family, NLM_F_REQUEST, base + index, version);
        writer.endGenl(start, write(index, writer));
        const reply = REPLY_OVERHEAD_BYTES + align4(writer.at - start);
        if (index > first && (writer.at > limit || replies + reply > budget)) {
          // this one opens the next sendmsg: it is written again there
          writer.reset(start);
          break;
        }
        replies += reply;
        lastStart = start;
        index += 1;
      }
      // the last message of this sendmsg asks for the ACK that says the kernel is through it
      writer.addFlags(lastStart, NLM_F_ACK);
      const end = index;
      await this.exchange<void>(`IPVS batch (commands ${first + 1}-${end} of ${count})`, writer.written(), (m, done) => {
        if (m.type !== NLMSG_ERROR) return;
        const at = (m.seq - base) >>> 0;
        if (at < first || at >= end) return;
        const { errno } = parseError(m.payload);
        if (errno !== 0) refused.set(at, errno);
        if (at === end - 1) done(undefined);
      });
    }
    return refused;
  }
}
