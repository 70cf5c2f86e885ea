// One request and its replies over a raw netlink socket, whatever the protocol: sequence
// numbers, one exchange at a time (the kernel runs one dump per socket), each bounded in
// time, and a dump collected to its NLMSG_DONE bounded in bytes. Generic netlink
// (genl-channel.ts) and route netlink (rtnetlink-channel.ts) are thin users of it.
import { getSystemErrorName } from 'node:util';
import { NLMSG_DONE, NLMSG_ERROR, parseDone, parseError, splitMessages, type NetlinkMessage } from '../../../lvs/formats/netlink-wire';
import type { RawNetlinkSocket } from './netlink-socket';

/** The kernel refused a request outright (a dump, a family lookup): its errno, positive. */
export class NetlinkError extends Error {
  constructor(readonly errno: number, what: string) {
    super(`${what}: ${errnoName(errno)}`);
    this.name = 'NetlinkError';
  }
}

export function errnoName(errno: number): string {
  try {
    return `${getSystemErrorName(-errno)} (errno ${errno})`;
  } catch {
    return `errno ${errno}`;
  }
}

interface Exchange {
  onMessage(message: NetlinkMessage): void;
  fail(error: Error): void;
}

export type ReplyHandler<T> = (m: NetlinkMessage, done: (value: T) => void, fail: (error: Error) => void) => void;

export class NetlinkChannel {
  protected seq = 1;
  private current: Exchange | undefined;
  /** set once an exchange was abandoned half-way: stray replies may still come */
  private broken: Error | undefined;

  constructor(protected readonly socket: RawNetlinkSocket, private readonly timeoutMs: number) {
    socket.onDatagram((datagram) => {
      let messages: NetlinkMessage[];
      try {
        messages = splitMessages(datagram);
      } catch (error) {
        this.current?.fail(error as Error);
        return;
      }
      for (const m of messages) this.current?.onMessage(m);
    });
    socket.onError((error) => this.current?.fail(error));
  }

  close(): void {
    this.socket.close();
  }

  protected nextSeq(): number {
    const seq = this.seq;
    this.seq += 1;
    return seq;
  }

  /**
   * Sends a dump request (numbered `seq`) and collects the payload of every reply of type
   * `replyType` up to NLMSG_DONE; more than `maxBytes` of them abandons the dump.
   */
  protected collectDump(what: string, request: Buffer, seq: number, replyType: number, maxBytes: number): Promise<Buffer[]> {
    const payloads: Buffer[] = [];
    let bytes = 0;
    return this.exchange<Buffer[]>(what, request, (m, done, fail) => {
      if (m.seq !== seq) return;
      if (m.type === NLMSG_ERROR) return fail(new NetlinkError(parseError(m.payload).errno, what));
      if (m.type === NLMSG_DONE) {
        const errno = parseDone(m.payload);
        return errno === 0 ? done(payloads) : fail(new NetlinkError(errno, what));
      }
      if (m.type !== replyType) return;
      bytes += m.payload.length;
      if (bytes > maxBytes) {
        return fail(new Error(`${what}: the kernel's reply passed ${maxBytes} bytes; the read was abandoned (a table this large needs a higher limit)`));
      }
      payloads.push(m.payload);
    });
  }

  protected exchange<T>(what: string, message: Buffer, handle: ReplyHandler<T>): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.current) return Promise.reject(new Error(`${what}: the netlink channel is busy with another exchange`));
    return new Promise<T>((resolve, reject) => {
      const finish = (error: Error | undefined, value?: T): void => {
        if (this.current !== exchange) return;
        this.current = undefined;
        clearTimeout(timer);
        if (error) {
          this.broken = new Error(`the netlink channel was abandoned after: ${error.message}`);
          reject(error);
        } else {
          resolve(value as T);
        }
      };
      const exchange: Exchange = {
        onMessage: (m) => {
          try {
            handle(m, (value) => finish(undefined, value), (error) => finish(error));
          } catch (error) {
            finish(error as Error);
          }
        },
        fail: (error) => finish(new Error(`${what}: ${error.message}`)),
      };
      const timer = setTimeout(() => finish(new Error(`${what}: no answer from the kernel within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.current = exchange;
      this.socket.send(message).catch((error: Error) => finish(new Error(`${what}: sendmsg failed: ${error.message}`)));
    });
  }
}
