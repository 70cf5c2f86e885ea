// Route netlink dumps over a socket of their own: one socket per read, opened, dumped and
// closed (the reads run seconds apart, two may overlap: a verify and the self-report timer,
// and a socket kept open would need a queue and a reopen after a failed exchange for the
// microseconds an open saves; docs/architecture.md).
// The exchange itself is netlink-channel.ts's, bounded in time and in bytes.
import { linkDumpRequest, decodeLink, RTM_NEWLINK, type RtLink } from '../../../lvs/formats/rtnetlink';
import { NetlinkChannel } from './netlink-channel';
import type { RawNetlinkSocket, RawNetlinkSocketFactory } from './netlink-socket';

export interface RtnlLimits {
  /** how long one dump may wait for the kernel */
  timeoutMs: number;
  /** the most bytes one dump may return before it is abandoned */
  maxDumpBytes: number;
}

/** A link dump of a few thousand devices is a few MB; a host past this is not a realserver we can read. */
export const RTNL_LIMITS: RtnlLimits = { timeoutMs: 10_000, maxDumpBytes: 32 * 1024 * 1024 };

export class RtnlChannel extends NetlinkChannel {
  constructor(socket: RawNetlinkSocket, private readonly limits: RtnlLimits) {
    super(socket, limits.timeoutMs);
  }

  /** The payload (fixed header and attributes) of every `replyType` message up to NLMSG_DONE. */
  dump(what: string, request: (seq: number) => Buffer, replyType: number): Promise<Buffer[]> {
    const seq = this.nextSeq();
    return this.collectDump(what, request(seq), seq, replyType, this.limits.maxDumpBytes);
  }

  async links(): Promise<RtLink[]> {
    return (await this.dump('reading the links (RTM_GETLINK dump)', linkDumpRequest, RTM_NEWLINK)).map(decodeLink);
  }
}

/** Opens a channel, runs `read` on it and closes it, whatever happened. */
export async function withRtnlChannel<T>(open: RawNetlinkSocketFactory, limits: RtnlLimits, read: (channel: RtnlChannel) => Promise<T>): Promise<T> {
  const channel = new RtnlChannel(open(), limits);
  try {
    return await read(channel);
  } finally {
    channel.close();
  }
}
