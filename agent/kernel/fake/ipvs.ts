// An in-memory IPVS table for tests, with its own table logic (maps keyed by service and
// destination, as the kernel keeps them) so that it and the applier's projection cannot agree
// merely by sharing code. It has ipvsadm -R's failure mode as seen in the lab: a refused
// operation does not stop the batch, every other one still takes effect, and the batch ends
// in an error naming each refusal.
import { filterConnections, type ConnectionEntry, type ConnectionFilter } from '../../../lvs/formats/ipvs-connections';
import type { IpvsCounters } from '../../../lvs/ipvs-reading';
import type { IpvsReading, ListedService, UnparsedService } from '../../../lvs/ipvs-reading';
import {
  destinationKeyString, serviceKeyString, type Destination, type IpvsService, type ServiceKey, type VirtualService,
} from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';
import { runSliced, runToEnd, yieldToEventLoop, type Pausable } from '../../../lvs/yield-point';
import type { Ipvs, ServiceReader } from '../ipvs';
import { addressBytes } from '../../../lvs/formats/ip-address-bytes';
import { IpvsadmBatchError } from '../../../lvs/formats/ipvsadm-errors';
import { IpvsBatchError, refusalOf, type IpvsRefusal } from '../../../lvs/formats/ipvs-netlink-errors';
import { constants } from 'node:os';

/** A batch or a read this big gives the event loop its turn (a count, so small tests never interleave). */
const PAUSE_EVERY = 2_000;
/** The listing is rendered in pieces of about this many lines (~64 KiB), as the agent reads the kernel's file. */
const LISTING_PIECE_LINES = 1_024;

interface FakeService {
  service: VirtualService;
  /** by "address:port" */
  destinations: Map<string, Destination>;
}


export class FakeIpvs implements Ipvs, ServiceReader {
  /** by serviceKeyString */
  private readonly table = new Map<string, FakeService>();
  /** someone else's services the model cannot hold: reported by read, untouched by batches */
  private readonly foreign: UnparsedService[];
  /** the foreign services' keys, by serviceKeyString: checked once per operation */
  private readonly foreignKeys: ReadonlySet<string>;
  /** active/inactive connections by "service -> address:port"; a destination not listed has none */
  private readonly counts = new Map<string, { active: number; inactive: number }>();
  private readonly counters = new Map<string, IpvsCounters>();
  private entries: ConnectionEntry[] = [];
  private listFailure: string | undefined;
  private failAt: { line: number; message: string } | undefined;
  private readFailure: string | undefined;
  private readBackTwist: ((table: IpvsService[]) => IpvsService[]) | undefined;
  /** how many times each verb ran, to prove one read and one batch per apply */
  readonly calls = { read: 0, applyBatch: 0, list: 0, connections: 0, readServices: 0 };
  /** every batch received, in order */
  readonly batches: IpvsOperation[][] = [];
  /** called after every batch took effect (refusals included), with the table as it is then */
  onBatch: ((table: IpvsService[]) => void) | undefined;
  /**
   * Refusals as the netlink backend reports them (IpvsBatchError: each refused operation with
   * its errno) instead of ipvsadm -R's text; the same table either way.
   */
  refusalsLikeNetlink = false;

  constructor(initial: IpvsService[] = [], foreign: UnparsedService[] = []) {
    for (const s of initial) {
      this.table.set(serviceKeyString(s.service.key), {
        service: copyService(s.service),
        destinations: new Map(s.destinations.map((d) => [destinationKeyString(d), { ...d }])),
      });
    }
    this.foreign = structuredClone(foreign);
    this.foreignKeys = new Set(foreign.flatMap((f) => (f.key ? [serviceKeyString(f.key)] : [])));
  }

  /** Clients hold these connections to a destination (until set again). */
  setConnections(service: ServiceKey, destination: { address: string; port: number }, active: number, inactive = 0): void {
    this.counts.set(connectionId(service, destination), { active, inactive });
  }

  /** The cumulative counters the listing reports for a service (destination absent) or a destination. */
  setCounters(service: ServiceKey, destination: { address: string; port: number } | undefined, counters: IpvsCounters): void {
    this.counters.set(destination ? connectionId(service, destination) : serviceKeyString(service), counters);
  }

  /** What connections() answers from now on. */
  setConnectionEntries(entries: ConnectionEntry[]): void {
    this.entries = structuredClone(entries);
  }

  /** The next list() fails with this message. */
  failNextList(message: string): void {
    this.listFailure = message;
  }

  /** The table as the kernel holds it now, sorted; never affected by injected faults. */
  snapshot(): IpvsService[] {
    return runToEnd(this.snapshotSteps());
  }

  /** snapshot(), pausing every PAUSE_EVERY services: ipvsadm runs beside the agent, not in its event loop. */
  private *snapshotSteps(): Pausable<IpvsService[]> {
    const entries = sortedByKey([...this.table.entries()]);
    const result: IpvsService[] = [];
    for (const [, s] of entries) {
      result.push({
        service: { ...copyService(s.service), flags: [...s.service.flags].sort() },
        destinations: sortedByKey([...s.destinations.entries()]).map(([, d]) => ({ ...d })),
      });
      if (result.length % PAUSE_EVERY === 0) yield;
    }
    return result;
  }

  /** The next batch's Nth operation (1-based) is refused; the others take effect and the batch fails. */
  failNextBatchAt(line: number, message = 'Memory allocation problem'): void {
    this.failAt = { line, message };
  }

  /** The next read fails with this message. */
  failNextRead(message: string): void {
    this.readFailure = message;
  }

  /** The next read reports this transformation of the table instead of the table itself. */
  misreportNextRead(twist: (table: IpvsService[]) => IpvsService[]): void {
    this.readBackTwist = twist;
  }

  async read(): Promise<IpvsReading> {
    this.calls.read++;
    if (this.readFailure !== undefined) {
      const message = this.readFailure;
      this.readFailure = undefined;
      throw new Error(`ipvsadm -S -n: ${message}`);
    }
    const twist = this.readBackTwist;
    this.readBackTwist = undefined;
    const table = await runSliced(this.snapshotSteps());
    return { services: twist ? twist(table) : table, unparsed: structuredClone(this.foreign) };
  }

  /** Those of the services asked for that the table holds (foreign ones as unparsed). */
  async readServices(keys: readonly ServiceKey[]): Promise<IpvsReading> {
    this.calls.readServices++;
    const wanted = new Set(keys.map(serviceKeyString));
    const services = (await runSliced(this.snapshotSteps())).filter((s) => wanted.has(serviceKeyString(s.service.key)));
    const unparsed = this.foreign.filter((f) => f.key !== undefined && wanted.has(serviceKeyString(f.key)));
    return { services, unparsed: structuredClone(unparsed) };
  }

  /**
   * The table as the kernel lists it in /proc/net/ip_vs (ip_vs_ctl.c), written here on its own
   * so the door's reading of that file is checked against an independent rendering.
   */
  procListing(): string {
    return runToEnd(this.procListingSteps()).join('');
  }

  /**
   * procListing() in slices: a harness that stands the fake in for the kernel renders a big
   * listing this way, since the kernel renders its file beside the agent, not in its event loop;
   * in pieces of whole lines, as the agent reads the file (agent/kernel/linux/proc-file.ts).
   */
  renderProcListing(): Promise<string[]> {
    return runSliced(this.procListingSteps());
  }

  private *procListingSteps(): Pausable<string[]> {
    const pieces: string[] = [];
    let lines = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
    ];
    const hexOf = (address: string): string => {
      const bytes = addressBytes(address);
      if (bytes.length === 4) return bytes.toString('hex').toUpperCase();
      return `[${(bytes.toString('hex').match(/.{4}/g) ?? []).join(':')}]`;
    };
    const pad = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
    const forward = { nat: 'Masq', dr: 'Route', tun: 'Tunnel' } as const;
    for (const s of yield* this.snapshotSteps()) {
      const { key } = s.service;
      const head = key.kind === 'fwmark' ? `FWM  ${pad(key.mark, 8)} ${s.service.scheduler} ` : `${key.kind.toUpperCase()}  ${hexOf(key.vip)}:${pad(key.port, 4)} ${s.service.scheduler} `;
      const netmask = s.service.persistence?.netmask;
      const mask = netmask === undefined ? 'FFFFFFFF' : netmask.includes('.') ? hexOf(netmask) : pad(Number(netmask), 8);
      const persistence = s.service.persistence ? `persistent ${s.service.persistence.timeout} ${mask}` : '';
      lines.push(`${head}${persistence}`);
      for (const d of s.destinations) {
        const counts = this.counts.get(connectionId(key, d)) ?? { active: 0, inactive: 0 };
        lines.push(`  -> ${hexOf(d.address)}:${pad(d.port, 4)}      ${forward[d.forwarding].padEnd(7)} ${String(d.weight).padEnd(6)} ${String(counts.active).padEnd(10)} ${String(counts.inactive).padEnd(10)}`);
      }
      if (lines.length >= LISTING_PIECE_LINES) {
        pieces.push(`${lines.join('\n')}\n`);
        lines = [];
      }
      yield; // a service's lines are far more work than a pause point
    }
    if (lines.length > 0) pieces.push(`${lines.join('\n')}\n`);
    return pieces;
  }

  async list(): Promise<ListedService[]> {
    this.calls.list++;
    if (this.listFailure !== undefined) {
      const message = this.listFailure;
      this.listFailure = undefined;
      throw new Error(`ipvsadm -Ln --exact: ${message}`);
    }
    return runSliced(this.listingSteps(await runSliced(this.snapshotSteps())));
  }

  private *listingSteps(table: IpvsService[]): Pausable<ListedService[]> {
    const listing: ListedService[] = [];
    for (const s of table) {
      const serviceStats = this.counters.get(serviceKeyString(s.service.key));
      listing.push({
        service: s.service,
        ...(serviceStats ? { stats: { ...serviceStats } } : {}),
        destinations: s.destinations.map((d) => {
          const id = connectionId(s.service.key, d);
          const counts = this.counts.get(id) ?? { active: 0, inactive: 0 };
          const stats = this.counters.get(id);
          return { destination: d, activeConnections: counts.active, inactiveConnections: counts.inactive, ...(stats ? { stats: { ...stats } } : {}) };
        }),
      });
      if (listing.length % PAUSE_EVERY === 0) yield;
    }
    return listing;
  }

  async connections(filter?: ConnectionFilter): Promise<ConnectionEntry[]> {
    this.calls.connections++;
    return structuredClone(filter ? filterConnections(this.entries, filter) : this.entries);
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    this.calls.applyBatch++;
    const recorded: IpvsOperation[] = [];
    this.batches.push(recorded);
    const failAt = this.failAt;
    this.failAt = undefined;
    const refusals: string[] = [];
    const refused: IpvsRefusal[] = [];
    for (const [index, op] of ops.entries()) {
      // Like ipvsadm -R, a big batch takes effect line by line while the agent goes on.
      if (index > 0 && index % PAUSE_EVERY === 0) await yieldToEventLoop();
      recorded.push(copyOperation(op));
      const line = index + 1;
      const refusal = failAt && failAt.line === line ? failAt.message : this.refuseForeign(op) ?? this.applyOne(op);
      if (refusal === undefined) continue;
      refusals.push(`line ${line}: ${refusal}`);
      refused.push(refusalOf(index, op, errnoOf(refusal)));
    }
    if (this.onBatch) this.onBatch(this.snapshot());
    if (refused.length > 0 && this.refusalsLikeNetlink) throw new IpvsBatchError(refused, ops.length);
    if (refusals.length > 0) throw new IpvsadmBatchError(refusals.join('\n'), `ipvsadm -R: ${refusals.join('; ')}`);
  }

  /** Changes the table as the kernel would, or returns the kernel's refusal (ipvsadm's wording). */
  private applyOne(op: IpvsOperation): string | undefined {
    const key = 'service' in op ? op.service.key : op.key;
    const name = serviceKeyString(key);
    const existing = this.table.get(name);
    switch (op.op) {
      case 'add-service':
        if (existing) return `${name}: Service already exists`;
        this.table.set(name, { service: copyService(op.service), destinations: new Map() });
        return undefined;
      case 'edit-service':
        if (!existing) return `${name}: No such service`;
        existing.service = copyService(op.service);
        return undefined;
      case 'delete-service':
        if (!existing) return `${name}: No such service`;
        this.table.delete(name);
        return undefined;
      default: {
        if (!existing) return `${name}: Service not defined`;
        const id = destinationKeyString(op.destination);
        const where = `${name} -> ${id}`;
        const present = existing.destinations.has(id);
        if (op.op === 'add-destination' && present) return `${where}: Destination already exists`;
        if (op.op !== 'add-destination' && !present) return `${where}: No such destination`;
        if (op.op === 'delete-destination') existing.destinations.delete(id);
        else existing.destinations.set(id, { ...op.destination });
        return undefined;
      }
    }
  }

  /**
   * The kernel holds the foreign services too: adding one again is "Service already exists".
   * Anything else would change someone else's service, which the director must never do;
   * the fake refuses it so a test sees it.
   */
  private refuseForeign(op: IpvsOperation): string | undefined {
    const name = serviceKeyString('service' in op ? op.service.key : op.key);
    if (!this.foreignKeys.has(name)) return undefined;
    return op.op === 'add-service' ? `${name}: Service already exists` : `${name}: (fake) ${op.op} on a foreign service lvsctl cannot read`;
  }
}

/** The errno the kernel answers a refusal with, from ipvsadm's words for it. */
function errnoOf(refusal: string): number {
  if (/already exists/.test(refusal)) return constants.errno.EEXIST;
  if (/No such service|Service not defined/.test(refusal)) return constants.errno.ESRCH;
  if (/No such destination/.test(refusal)) return constants.errno.ENOENT;
  return constants.errno.ENOMEM;
}

function connectionId(service: ServiceKey, destination: { address: string; port: number }): string {
  return `${serviceKeyString(service)} -> ${destinationKeyString(destination)}`;
}

/** Entries of a map sorted by their key (already the service or destination key string). */
function sortedByKey<T>(entries: Array<[string, T]>): Array<[string, T]> {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Deep copies of plain data, cheaper than structuredClone at 200,000 destinations. */
function copyService(s: VirtualService): VirtualService {
  const copy: VirtualService = { ...s, key: { ...s.key }, flags: [...s.flags] };
  if (s.persistence) copy.persistence = { ...s.persistence };
  return copy;
}

function copyOperation(op: IpvsOperation): IpvsOperation {
  switch (op.op) {
    case 'add-service':
    case 'delete-service':
      return { ...op, service: copyService(op.service) };
    case 'edit-service':
      return { ...op, service: copyService(op.service), before: copyService(op.before) };
    case 'edit-destination':
      return { ...op, key: { ...op.key }, destination: { ...op.destination }, before: { ...op.before } };
    default:
      return { ...op, key: { ...op.key }, destination: { ...op.destination } };
  }
}

// A compile-time proof that the fake keeps up with the interface.
const _proof: Ipvs = new FakeIpvs();
void _proof;
