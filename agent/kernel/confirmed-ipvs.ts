// The IPVS door with a memory: read() answers from the table as last confirmed, after
// checking it against the kernel's own listing (/proc/net/ip_vs, one file read), and reads
// again over the backend only the services that listing shows changed, plus every service a
// write went through since. A 2,000-service table read whole over netlink costs 2,001 dumps
// (about 2 s in the lab's kernel); a no-op apply or a one-weight change then costs one file
// read and a few dumps.
//
// How drift is still caught: any change an outside writer (ipvsadm by hand, another daemon)
// makes to what the listing shows (a service or destination added or removed, a scheduler,
// persistence, forwarding method or weight changed) is seen at the next read and that service
// is read again; a service the listing shows that this memory cannot place means a whole
// read. Past 256 services to read again, the TCP and UDP services this door wrote itself (a
// 2,000-service load) are taken from the listing where it states them whole, with the
// scheduler flags they were last written or read with (never after a batch that failed);
// the rest are read one by one, or all of it whole if still too many. What the listing
// cannot show (scheduler flags, a persistence engine, thresholds, tunnel settings) changed
// from outside is caught by the whole read that replaces the memory once it is older than
// `wholeReadAfterMs` (default 5 minutes). list() and connections() always ask the backend:
// they carry counters that change with traffic. An apply's read-back (readWritten) reads only
// what its batch wrote, without the listing, when the read before the batch checked the
// listing and the batch was acknowledged whole; the next read checks the listing again. A
// read-back given the table its apply projected takes a service from the listing as that
// projected object when the listing states it exactly so (compared in place, nothing built).
//
// Checked ahead: a rollout says hello to every agent before it applies anything, and its
// realservers verify first. A director told an apply follows (announceApply) checks the memory
// against the listing at once (checkAhead, in the writer's exclusive task); the apply's own
// read (readForApply) then reads again over the backend only what was written since that check,
// not the listing. One check serves one apply, and only one announced at most
// ANNOUNCEMENT_LIFETIME_MS before it: drift made before the rollout began is still caught by
// that rollout; a change by hand between the check and the apply is seen by the next read.
import type { ConnectionEntry, ConnectionFilter } from '../../lvs/formats/ipvs-connections';
import { procBlockStates, procServiceName, procServiceOf, procTableBlocksOfSteps, procTableWithoutCountsSteps, type ListingWithoutCounts } from '../../lvs/formats/ipvs-proc-table';
import type { IpvsReading, ListedService, ReadAccount, UnparsedService } from '../../lvs/ipvs-reading';
import { serviceKeyString, type IpvsService, type SchedulerFlag, type ServiceKey } from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';
import { runSliced, type Pausable } from '../../lvs/yield-point';
import type { Ipvs, ServiceReader } from './ipvs';

export interface ConfirmedIpvsOptions {
  backend: Ipvs & Partial<ServiceReader>;
  /** the text of /proc/net/ip_vs, whole or in the pieces it was read in */
  readListing: () => Promise<string | readonly string[]>;
  /** ms; default Date.now */
  now?: () => number;
  /** the memory is replaced by a whole read once older than this; default 5 minutes */
  wholeReadAfterMs?: number;
  /** more services to read again than this: one whole read instead; default 256 */
  maxServicesReadAgain?: number;
}

const DEFAULT_WHOLE_READ_AFTER_MS = 5 * 60_000;
const DEFAULT_MAX_SERVICES_READ_AGAIN = 256;
/**
 * An apply more than this long after the announcement reads for itself: a rollout's hello comes
 * seconds before its apply (its realservers verify in between), and a check that old is not one
 * made for that apply.
 */
export const ANNOUNCEMENT_LIFETIME_MS = 60_000;


interface Confirmed {
  /** when the whole table was last read */
  wholeReadAt: number;
  services: Map<string, IpvsService>;
  /** someone else's services, by serviceKeyString; those without a key are under `keyless` */
  unparsed: Map<string, UnparsedService>;
  keyless: UnparsedService[];
  /** the listing's lines of each service name, as seen at the read that confirmed them */
  listing: Map<string, string>;
  /**
   * The digest of that listing without connection counts: a listing with the same one means
   * nothing it shows changed. Undefined once the memory changed without a listing to check it
   * against (an apply's read-back, readWritten): the next read then compares service by service.
   */
  listingFingerprint: string | undefined;
  /** every remembered service (and foreign one with a key) under its listing name */
  byName: Map<string, Map<string, ServiceKey>>;
}

export class ConfirmedIpvs implements Ipvs {
  private confirmed: Confirmed | undefined;
  /** services a write went through since the last read, by serviceKeyString */
  private readonly written = new Map<string, ServiceKey>();
  private readonly now: () => number;
  private readonly wholeReadAfterMs: number;
  private readonly maxServicesReadAgain: number;
  /** the scheduler flags each service was last written with (the listing does not show them) */
  private readonly writtenFlags = new Map<string, SchedulerFlag[]>();
  /** services of a batch that failed since the last read: what took effect is unknown */
  private readonly uncertain = new Set<string>();
  /**
   * The last read checked the memory against the listing (it was not a whole read without
   * one) and every batch since was acknowledged whole: readWritten() may then read only what
   * those batches wrote.
   */
  private vouched = false;
  /** how the last read() was answered: services read again over the backend, and taken from the listing */
  lastRead: ReadAccount | undefined;
  /** announcements so far: numbered, as two may come within one tick of the clock */
  private announcements = 0;
  /** the last announced apply (announceApply), until an apply's read takes it: its number and when */
  private announced: { number: number; at: number } | undefined;
  /** how many announcements had come when the read the memory was last checked by began reading the listing; undefined: not checked against one */
  private listingReadAfter: number | undefined;

  constructor(private readonly options: ConfirmedIpvsOptions) {
    this.now = options.now ?? Date.now;
    this.wholeReadAfterMs = options.wholeReadAfterMs ?? DEFAULT_WHOLE_READ_AFTER_MS;
    this.maxServicesReadAgain = options.maxServicesReadAgain ?? DEFAULT_MAX_SERVICES_READ_AGAIN;
  }

  read(): Promise<IpvsReading> {
    return this.readChecked(undefined);
  }

  /** read(), where a service taken from the listing that states exactly its `expected` service is handed back as that object. */
  private async readChecked(expected: readonly IpvsService[] | undefined): Promise<IpvsReading> {
    this.vouched = false;
    this.listingReadAfter = undefined;
    const announcementsBefore = this.announcements;
    // a backend that cannot read a service alone (ipvsadm) reads whole: the listing would buy nothing
    if (!this.options.backend.readServices) return this.readWithoutMemory();
    // the listing first: whatever changes after it shows as a difference at the next read
    let listing: Map<string, string>;
    let withoutCounts: ListingWithoutCounts;
    try {
      withoutCounts = await runSliced(procTableWithoutCountsSteps(await this.options.readListing()));
    } catch {
      // no listing (ip_vs not loaded, an unexpected format): the backend reads, and says why if it cannot
      return this.readWithoutMemory();
    }
    // the memory, while younger than its age limit (older, it is replaced by a whole read)
    const confirmed = this.confirmed !== undefined && this.now() - this.confirmed.wholeReadAt < this.wholeReadAfterMs ? this.confirmed : undefined;
    // the usual re-apply: the listing as it was, nothing written since: the memory stands as it is
    const listingFingerprint = withoutCounts.fingerprint;
    if (confirmed && confirmed.listingFingerprint === listingFingerprint && this.written.size === 0 && this.uncertain.size === 0) {
      return this.checked(confirmed, announcementsBefore, { kind: 'remembered', servicesReadAgain: 0, servicesFromListing: 0 });
    }
    try {
      listing = await runSliced(procTableBlocksOfSteps(withoutCounts));
    } catch {
      return this.readWithoutMemory();
    }
    const readAgain = confirmed ? await runSliced(servicesToReadAgainSteps(confirmed, listing, this.written)) : undefined;
    if (readAgain === undefined || !confirmed) return this.readWhole(listing, listingFingerprint, announcementsBefore);
    // Past the bound, the services this agent wrote (a 2,000-service load) are taken from the
    // listing where it states them whole: their flags are those the kernel acknowledged.
    const fromListing = readAgain.size > this.maxServicesReadAgain
      ? await runSliced(fromListingSteps(readAgain, this.written, (name) => this.flagsKnown(name, confirmed), listing, expected))
      : new Map<string, IpvsService | null>();
    // their keys as written: named already (a load's 2,000 projected services each hold a copy)
    const listedKeys = new Map<string, ServiceKey>();
    for (const name of fromListing.keys()) {
      listedKeys.set(name, readAgain.get(name) as ServiceKey);
      readAgain.delete(name);
    }
    if (readAgain.size > this.maxServicesReadAgain) return this.readWhole(listing, listingFingerprint, announcementsBefore);
    if (readAgain.size === 0 && fromListing.size === 0) {
      return this.checked(confirmed, announcementsBefore, { kind: 'remembered', servicesReadAgain: 0, servicesFromListing: 0 }, { listing, listingFingerprint });
    }
    let fresh: IpvsReading = { services: [], unparsed: [] };
    try {
      if (readAgain.size > 0) fresh = await this.options.backend.readServices([...readAgain.values()]);
    } catch (error) {
      // nothing was learnt: what was to be read is read again next time (a failed batch stays uncertain)
      for (const [name, key] of readAgain) this.written.set(name, key);
      throw error;
    }
    this.written.clear();
    this.uncertain.clear();
    await runSliced(rememberSteps(confirmed, fromListing, listedKeys));
    for (const name of readAgain.keys()) drop(confirmed, name);
    for (const s of fresh.services) keep(confirmed, s);
    for (const u of fresh.unparsed) keepForeign(confirmed, u);
    return this.checked(confirmed, announcementsBefore, { kind: 'partial', servicesReadAgain: readAgain.size, servicesFromListing: fromListing.size }, { listing, listingFingerprint });
  }

  /**
   * The memory, checked against the listing just read (`seen`, kept as the listing it now
   * stands for; absent when that listing is the one it already stood for): readWritten() may
   * vouch for it.
   */
  private checked(confirmed: Confirmed, listingReadAfter: number, how: ReadAccount, seen?: { listing: Map<string, string>; listingFingerprint: string }): IpvsReading {
    if (seen) {
      confirmed.listing = seen.listing;
      confirmed.listingFingerprint = seen.listingFingerprint;
    }
    this.lastRead = how;
    this.vouched = true;
    this.listingReadAfter = listingReadAfter;
    return { ...readingOf(confirmed), how };
  }

  /**
   * The read-back of an apply: when the read before its batch checked the listing and the
   * batch was acknowledged whole, only the services written since are read again over the
   * backend (one request and one destination dump each), not the listing: the rest is as that
   * read saw it moments ago, and the next read checks it against the listing again, so drift
   * anywhere else is caught there. Otherwise (nothing vouched for, a batch that failed, more
   * than the bound to read, an old memory): read(). `expected`, the table the caller expects
   * (an apply's projection): a service this read takes from the listing (a load) and finds
   * stated there exactly as expected comes back as that very object, so the caller knows it
   * equal without comparing it again.
   */
  async readWritten(expected?: readonly IpvsService[]): Promise<IpvsReading> {
    const vouched = this.vouched;
    this.vouched = false;
    this.listingReadAfter = undefined;
    if (!vouched || !this.canReadOnlyWritten()) return this.readChecked(expected);
    return this.readOnlyWritten('written');
  }

  /** A controller says an apply follows (a rollout's hello): checkAhead() then reads now, so that apply need not. */
  announceApply(): void {
    this.announced = { number: ++this.announcements, at: this.now() };
  }

  /** The check an announcement asks for (in the writer's exclusive task): read(), unless a read since the announcement checked the listing. */
  async checkAhead(): Promise<void> {
    if (this.announced === undefined || this.checkedSince(this.announced.number)) return;
    await this.read();
  }

  /**
   * An apply's read. When a read since the announcement of this apply (at most
   * ANNOUNCEMENT_LIFETIME_MS ago) checked the memory against the listing, and every batch since
   * was acknowledged whole: the memory, with only the services written since (a health weight,
   * a drain) read again over the backend; the read-back may then read only what the apply's batch
   * writes. Otherwise read(). Either way the announcement is taken: the next apply reads for itself.
   */
  async readForApply(): Promise<IpvsReading> {
    const announced = this.announced;
    this.announced = undefined;
    if (announced === undefined || this.now() - announced.at > ANNOUNCEMENT_LIFETIME_MS || !this.vouched
      || !this.checkedSince(announced.number) || !this.canReadOnlyWritten()) return this.read();
    const reading = await this.readOnlyWritten('ahead');
    // as good as a read that checked the listing: the read-back may read only what the batch writes
    this.vouched = true;
    return reading;
  }

  /** a read that began after announcement number `announcement` checked the memory against the listing */
  private checkedSince(announcement: number): boolean {
    return this.listingReadAfter !== undefined && this.listingReadAfter >= announcement;
  }

  /** the memory may stand with only the services written since read again: nothing uncertain, not too many, not too old */
  private canReadOnlyWritten(): boolean {
    return this.confirmed !== undefined && this.options.backend.readServices !== undefined && this.uncertain.size === 0
      && this.written.size <= this.maxServicesReadAgain && this.now() - this.confirmed.wholeReadAt < this.wholeReadAfterMs;
  }

  /** The memory with the services written since read again over the backend (canReadOnlyWritten holds). */
  private async readOnlyWritten(kind: 'written' | 'ahead'): Promise<IpvsReading> {
    const confirmed = this.confirmed as Confirmed;
    const reader = this.options.backend.readServices as NonNullable<ServiceReader['readServices']>;
    const names = [...this.written.keys()];
    const fresh = this.written.size > 0 ? await reader.call(this.options.backend, [...this.written.values()]) : { services: [], unparsed: [] };
    this.written.clear();
    if (names.length > 0) {
      // the listing's lines of these services are as before the batch: the next read reads them again if they changed,
      // and compares the listing service by service (the memory no longer stands for the listing it was checked against)
      confirmed.listingFingerprint = undefined;
    }
    for (const name of names) drop(confirmed, name);
    for (const s of fresh.services) keep(confirmed, s);
    for (const u of fresh.unparsed) keepForeign(confirmed, u);
    this.lastRead = { kind, servicesReadAgain: names.length, servicesFromListing: 0 };
    return { ...readingOf(confirmed), how: this.lastRead, readAgain: fresh.services };
  }

  list(): Promise<ListedService[]> {
    return this.options.backend.list();
  }

  connections(filter?: ConnectionFilter): Promise<ConnectionEntry[]> {
    return this.options.backend.connections(filter);
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    // remembered before the batch: a batch that fails half-way changed some of them
    let previous: ServiceKey | undefined;
    // by index: with V8's optimizing compiler off (a one-CPU director) for-of makes an iterator result per element
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const key = 'service' in op ? op.service.key : op.key;
      // a service's destinations follow it under the same key object: named once (22,000 operations in a load)
      if (key === previous && !('service' in op)) continue;
      previous = key;
      const name = serviceKeyString(key);
      this.written.set(name, key);
      if (op.op === 'add-service' || op.op === 'edit-service') this.writtenFlags.set(name, op.service.flags);
      else if (op.op === 'delete-service') this.writtenFlags.delete(name);
    }
    try {
      await this.options.backend.applyBatch(ops);
    } catch (error) {
      this.vouched = false;
      // which of them took effect is unknown: those services are read again over the backend
      for (const op of ops) {
        const name = serviceKeyString('service' in op ? op.service.key : op.key);
        this.writtenFlags.delete(name);
        this.uncertain.add(name);
      }
      throw error;
    }
  }

  /** The scheduler flags a service has in the kernel, as the last successful write or read left them; undefined when unknown. */
  private flagsKnown(name: string, confirmed: Confirmed): SchedulerFlag[] | undefined {
    if (this.uncertain.has(name)) return undefined;
    return this.writtenFlags.get(name) ?? confirmed.services.get(name)?.service.flags;
  }

  /** The backend's whole table, remembering nothing. */
  private async readWithoutMemory(): Promise<IpvsReading> {
    this.confirmed = undefined;
    this.written.clear();
    this.uncertain.clear();
    this.lastRead = { kind: 'whole', servicesReadAgain: 0, servicesFromListing: 0 };
    return { ...(await this.options.backend.read()), how: this.lastRead };
  }

  private async readWhole(listing: Map<string, string>, listingFingerprint: string, listingReadAfter: number): Promise<IpvsReading> {
    this.confirmed = undefined;
    this.written.clear();
    this.uncertain.clear();
    const reading = await this.options.backend.read();
    const unparsed = new Map<string, UnparsedService>();
    const keyless: UnparsedService[] = [];
    for (const u of reading.unparsed) {
      if (u.key) unparsed.set(serviceKeyString(u.key), u);
      else keyless.push(u);
    }
    const { services, byName } = await runSliced(rememberedSteps(reading.services));
    for (const u of unparsed.values()) if (u.key) place(byName, u.key);
    this.confirmed = { wholeReadAt: this.now(), services, unparsed, keyless, listing, listingFingerprint, byName };
    this.lastRead = { kind: 'whole', servicesReadAgain: 0, servicesFromListing: 0 };
    this.vouched = true;
    this.listingReadAfter = listingReadAfter;
    return { ...reading, how: this.lastRead };
  }
}

/**
 * The services to read again, by serviceKeyString: every one written since, every one whose
 * lines in the listing changed or that the listing no longer shows; undefined when only a
 * whole read will do (the listing shows a new or changed service the memory cannot name).
 */
function* servicesToReadAgainSteps(
  confirmed: Confirmed,
  listing: Map<string, string>,
  written: Map<string, ServiceKey>,
): Pausable<Map<string, ServiceKey> | undefined> {
  const again = new Map(written);
  const readAgain = (key: ServiceKey): void => {
    again.set(serviceKeyString(key), key);
    // the listing names an IPv4 and an IPv6 fwmark service alike: a change may be either
    if (key.kind === 'fwmark') {
      const other: ServiceKey = { ...key, family: key.family === 'inet' ? 'inet6' : 'inet' };
      again.set(serviceKeyString(other), other);
    }
  };
  // the services written since, under their listing names too (a service added is not remembered yet)
  // in slices too: after a 20,000-service load this loop alone held the event loop ~1 s in the lab
  let step = 0;
  const writtenByName = new Map<string, ServiceKey[]>();
  for (const key of written.values()) {
    const name = procServiceName(key);
    const keys = writtenByName.get(name);
    if (keys) keys.push(key);
    else writtenByName.set(name, [key]);
    if (++step % 64 === 0) yield;
  }
  for (const [name, lines] of listing) {
    if (confirmed.listing.get(name) !== lines) {
      const remembered = confirmed.byName.get(name);
      const writtenKeys = writtenByName.get(name);
      // a new or changed service the memory cannot name (someone else's, SCTP): read it all
      if (remembered === undefined && writtenKeys === undefined) return undefined;
      for (const key of remembered?.values() ?? []) readAgain(key);
      // a written key is in `again` already: only a fwmark's other family is to add (a load names 2,000 others)
      for (const key of writtenKeys ?? []) if (key.kind === 'fwmark') readAgain(key);
    }
    if (++step % 64 === 0) yield;
  }
  // remembered but no longer listed: deleted since, by a write or by someone else
  for (const [name, keys] of confirmed.byName) {
    if (!listing.has(name)) for (const key of keys.values()) readAgain(key);
    if (++step % 64 === 0) yield;
  }
  return again;
}

/**
 * The services written since the last read (by serviceKeyString) that the listing states
 * whole, or shows gone (null): TCP and UDP services whose flags are known (as written, or as
 * read and not written since; not after a batch that failed). A service the listing states
 * exactly as `expected` has it is that expected object (compared in place, nothing built).
 */
function* fromListingSteps(
  readAgain: ReadonlyMap<string, ServiceKey>,
  written: ReadonlyMap<string, ServiceKey>,
  flagsOf: (name: string) => SchedulerFlag[] | undefined,
  listing: ReadonlyMap<string, string>,
  expected: readonly IpvsService[] | undefined,
): Pausable<Map<string, IpvsService | null>> {
  // by key object: a batch names each service with its projected service's key (a load: 2,000, no name made);
  // by name, made once needed, for a key written otherwise
  const expectedByKey = new Map<ServiceKey, IpvsService>();
  for (const s of expected ?? []) {
    expectedByKey.set(s.service.key, s);
    yield;
  }
  let expectedByName: Map<string, IpvsService> | undefined;
  const expectedOf = (name: string, key: ServiceKey): IpvsService | undefined => {
    const byKey = expectedByKey.get(key);
    if (byKey !== undefined || expectedByKey.size === 0) return byKey;
    expectedByName ??= new Map([...expectedByKey.values()].map((s) => [serviceKeyString(s.service.key), s]));
    return expectedByName.get(name);
  };
  const taken = new Map<string, IpvsService | null>();
  for (const [name, key] of readAgain) {
    const flags = flagsOf(name);
    if (key.kind !== 'fwmark' && written.has(name)) {
      const block = listing.get(procServiceName(key));
      if (block === undefined) taken.set(name, null);
      else if (flags !== undefined) {
        const want = expectedOf(name, key);
        const service = want !== undefined && procBlockStates(block, want, flags) ? want : procServiceOf(key, block, flags);
        if (service) taken.set(name, service);
      }
    }
    yield;
  }
  return taken;
}

/** The memory takes the services the listing stated (null: gone), under the keys they were written with. */
function* rememberSteps(confirmed: Confirmed, taken: ReadonlyMap<string, IpvsService | null>, keys: ReadonlyMap<string, ServiceKey>): Pausable<void> {
  for (const [name, service] of taken) {
    drop(confirmed, name);
    if (service) keep(confirmed, service, name, keys.get(name));
    yield;
  }
}

/** Forgets a service, ours or someone else's, by serviceKeyString. */
function drop(confirmed: Confirmed, name: string): void {
  const key = confirmed.services.get(name)?.service.key ?? confirmed.unparsed.get(name)?.key;
  if (key) unplace(confirmed.byName, name, key);
  confirmed.services.delete(name);
  confirmed.unparsed.delete(name);
}

/** `name` and `key`, when the caller has them: the service's serviceKeyString and a key equal to its own. */
function keep(confirmed: Confirmed, service: IpvsService, name = serviceKeyString(service.service.key), key = service.service.key): void {
  confirmed.services.set(name, service);
  place(confirmed.byName, key, name);
}

/** Someone else's service with a key; one without (SCTP) is only ever known by a whole read. */
function keepForeign(confirmed: Confirmed, service: UnparsedService): void {
  if (!service.key) return;
  confirmed.unparsed.set(serviceKeyString(service.key), service);
  place(confirmed.byName, service.key);
}

/** The services by serviceKeyString and under their listing names (20,000 of them: in slices). */
function* rememberedSteps(read: readonly IpvsService[]): Pausable<{ services: Map<string, IpvsService>; byName: Map<string, Map<string, ServiceKey>> }> {
  const services = new Map<string, IpvsService>();
  const byName = new Map<string, Map<string, ServiceKey>>();
  for (const s of read) {
    services.set(serviceKeyString(s.service.key), s);
    place(byName, s.service.key);
    yield;
  }
  return { services, byName };
}

function place(byName: Map<string, Map<string, ServiceKey>>, key: ServiceKey, keyName = serviceKeyString(key)): void {
  const name = procServiceName(key);
  const keys = byName.get(name);
  if (keys) keys.set(keyName, key);
  else byName.set(name, new Map([[keyName, key]]));
}

function unplace(byName: Map<string, Map<string, ServiceKey>>, keyName: string, key: ServiceKey): void {
  const name = procServiceName(key);
  const keys = byName.get(name);
  if (!keys) return;
  keys.delete(keyName);
  if (keys.size === 0) byName.delete(name);
}

function readingOf(confirmed: Confirmed): IpvsReading {
  return { services: [...confirmed.services.values()], unparsed: [...confirmed.unparsed.values(), ...confirmed.keyless] };
}
