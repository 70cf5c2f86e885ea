// The IPVS table through the kernel's generic netlink family "IPVS", without ipvsadm:
// read() and list() are one service dump and then one destination dump per service (the
// kernel has no dump of every destination), as ipvsadm does them, minus the process and the
// text: each dump costs one sendmsg and one or two recvmsg, each datagram read whole. In the
// lab's UML kernel 2,000 services x 10 destinations read in 2.2 to 2.7 s, about what
// `ipvsadm -S -n` takes there (2.4 to 7.2 s): the syscalls dominate. The kernel builds dump
// replies inside our own syscalls, so dumps on several sockets at once (`parallelDumps`)
// overlap nothing; measured, four were no faster and eight slower, hence one by default.
// readServices() reads a few services alone (a GET_SERVICE request and a destination dump
// each), for the door that re-reads only what the kernel's listing shows changed
// (agent/kernel/confirmed-ipvs.ts).
// applyBatch() writes the commands in place into ~64 KiB sendmsg calls, one buffer reused for
// all of them, with one ACK per call, and maps every NLMSG_ERROR back to its operation. connections() reads /proc/net/ip_vs_conn (the
// family has no connection dump). Codec: lvs/formats/ipvs-netlink*.ts; sockets: genl-channel.ts.
import { errorMessage } from '../../../lvs/errors';
import type { ConnectionEntry, ConnectionFilter } from '../../../lvs/formats/ipvs-connections';
import {
  IPVS_GENL_NAME, IPVS_GENL_VERSION, destinationDumpRequest, serviceDumpRequest, serviceGetRequest, writeOperation,
} from '../../../lvs/formats/ipvs-netlink';
import { decodeDestination, decodeService, serviceFamilyOf, type DumpedDestination, type DumpedService } from '../../../lvs/formats/ipvs-netlink-decode';
import { IpvsBatchError, refusalOf } from '../../../lvs/formats/ipvs-netlink-errors';
import type { IpvsReading, ListedService, UnparsedService } from '../../../lvs/ipvs-reading';
import { serviceKeyString, type IpvsService, type ServiceKey } from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';
import type { Ipvs, ServiceReader } from '../ipvs';
import { GenlChannel } from './genl-channel';
import type { RawNetlinkSocketFactory } from './netlink-socket';
import { mapPausing, runSliced, type Pausable } from '../../../lvs/yield-point';

export interface NetlinkIpvsOptions {
  openSocket: RawNetlinkSocketFactory;
  /** the connection table (the family has none): /proc/net/ip_vs_conn in production */
  readConnections: (filter?: ConnectionFilter) => Promise<ConnectionEntry[]>;
  /** destination dumps in flight at once, one socket each (default 1: see above) */
  parallelDumps?: number;
  /** one exchange with the kernel (default 60 s: the lab's UML kernel is slow) */
  timeoutMs?: number;
  /** one dump's reply (default 64 MiB, the same bound as ipvsadm's output) */
  maxDumpBytes?: number;
  /** one sendmsg of a batch (default 64 KiB) */
  batchBytes?: number;
}

const DEFAULTS = { parallelDumps: 1, timeoutMs: 60_000, maxDumpBytes: 64 * 1024 * 1024, batchBytes: 64 * 1024 };

interface DumpedEntry {
  service: DumpedService;
  destinations: DumpedDestination[];
}

/** The listing with counters; what `ipvsadm -Ln` cannot show (SCTP, an unknown scheduler) lvsctl cannot either. */
function* listingSteps(entries: readonly DumpedEntry[]): Pausable<ListedService[]> {
  const listed: ListedService[] = [];
  for (const { service, destinations } of entries) {
    if (service.listed) {
      listed.push({
        service: service.listed,
        ...(service.stats ? { stats: service.stats } : {}),
        destinations: destinations.map((d) => ({
          destination: d.destination,
          activeConnections: d.activeConnections,
          inactiveConnections: d.inactiveConnections,
          ...(d.stats ? { stats: d.stats } : {}),
        })),
      });
    }
    yield;
  }
  return listed;
}

/** What the kernel answers when asked for a service it does not hold. */
const ESRCH = 3;

/** The entries as lvsctl's model holds them; a service with one unreadable destination is set aside whole, as the ipvsadm backend does. */
function* readingSteps(entries: readonly DumpedEntry[]): Pausable<IpvsReading> {
  const services: IpvsService[] = [];
  const unparsed: UnparsedService[] = [];
  for (const { service, destinations } of entries) {
    const badDestination = destinations.find((d) => d.reason !== undefined);
    if (service.service && !badDestination) {
      services.push({ service: service.service, destinations: destinations.map((d) => d.destination) });
    } else {
      const line = service.service ? (badDestination?.line ?? service.line) : service.line;
      const reason = service.service ? (badDestination?.reason ?? '') : (service.reason ?? '');
      unparsed.push({ name: service.name, ...(service.key ? { key: service.key } : {}), line, reason });
    }
    yield;
  }
  return { services, unparsed };
}

export class NetlinkIpvs implements Ipvs, ServiceReader {
  private readonly options: Required<NetlinkIpvsOptions>;

  constructor(options: NetlinkIpvsOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  async read(): Promise<IpvsReading> {
    return runSliced(readingSteps(await this.dumpTable()));
  }

  /** Each service asked for that the kernel holds: one GET_SERVICE and one destination dump each. */
  async readServices(keys: readonly ServiceKey[]): Promise<IpvsReading> {
    const entries: DumpedEntry[] = [];
    if (keys.length === 0) return { services: [], unparsed: [] };
    const channel = this.open();
    try {
      const family = await this.family(channel);
      for (const key of keys) {
        const what = `IPVS service ${serviceKeyString(key)}`;
        const body = await channel.request(family, IPVS_GENL_VERSION, serviceGetRequest(key), what, ESRCH);
        if (body === undefined) continue;
        const service = decodeService(body);
        const af = serviceFamilyOf(body);
        const replies = await channel.dump(family, IPVS_GENL_VERSION, destinationDumpRequest(key), `IPVS destination dump of ${service.name}`);
        entries.push({ service, destinations: replies.map((reply) => decodeDestination(reply, service, af)) });
      }
    } finally {
      channel.close();
    }
    return runSliced(readingSteps(entries));
  }

  async list(): Promise<ListedService[]> {
    return runSliced(listingSteps(await this.dumpTable()));
  }

  connections(filter?: ConnectionFilter): Promise<ConnectionEntry[]> {
    return this.options.readConnections(filter);
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    if (ops.length === 0) return;
    const channel = this.open();
    try {
      const family = await this.family(channel);
      let refused: Map<number, number>;
      try {
        // each message written in place as its sendmsg is filled; the kernel's ACKs pace it
        refused = await channel.batch(family, IPVS_GENL_VERSION, ops.length, (index, w) => writeOperation(w, ops[index]));
      } catch (error) {
        throw new Error(`IPVS netlink batch of ${ops.length} operation(s) did not complete, so which took effect is unknown until the table is read again: ${errorMessage(error)}`);
      }
      if (refused.size > 0) {
        const refusals = [...refused.entries()].sort(([a], [b]) => a - b).map(([index, errno]) => refusalOf(index, ops[index], errno));
        throw new IpvsBatchError(refusals, ops.length);
      }
    } finally {
      channel.close();
    }
  }

  private open(): GenlChannel {
    const { timeoutMs, maxDumpBytes, batchBytes } = this.options;
    return new GenlChannel(this.options.openSocket(), { timeoutMs, maxDumpBytes, batchBytes });
  }

  /** Looked up on every call: the id changes when ip_vs is unloaded and loaded again. */
  private async family(channel: GenlChannel): Promise<number> {
    const id = await channel.resolveFamily(IPVS_GENL_NAME);
    if (id === undefined) throw new Error(`the kernel has no "${IPVS_GENL_NAME}" generic netlink family: IPVS is not loaded (modprobe ip_vs)`);
    return id;
  }

  /** Every service and its destinations, decoded; the destination dumps on `parallelDumps` sockets. */
  private async dumpTable(): Promise<DumpedEntry[]> {
    const channels = [this.open()];
    try {
      const family = await this.family(channels[0]);
      const bodies = await channels[0].dump(family, IPVS_GENL_VERSION, serviceDumpRequest(), 'IPVS service dump');
      const services = await runSliced(mapPausing(bodies, (body) => ({ service: decodeService(body), af: serviceFamilyOf(body) })));
      const keyed = services.filter((s) => s.service.key !== undefined).length;
      while (channels.length < Math.min(this.options.parallelDumps, keyed)) channels.push(this.open());
      const destinations: DumpedDestination[][] = services.map(() => []);
      let next = 0;
      let failure: Error | undefined;
      // each worker takes the next service until none is left or one of them failed
      const worker = async (channel: GenlChannel): Promise<void> => {
        while (failure === undefined && next < services.length) {
          const index = next;
          next += 1;
          const { service, af } = services[index];
          if (service.key === undefined) continue;
          const replies = await channel.dump(family, IPVS_GENL_VERSION, destinationDumpRequest(service.key), `IPVS destination dump of ${service.name}`);
          destinations[index] = replies.map((body) => decodeDestination(body, service, af));
        }
      };
      await Promise.all(channels.map((c) => worker(c).catch((error: Error) => {
        failure ??= error;
      })));
      if (failure) throw failure;
      return services.map((s, i) => ({ service: s.service, destinations: destinations[i] }));
    } finally {
      for (const c of channels) c.close();
    }
  }
}
