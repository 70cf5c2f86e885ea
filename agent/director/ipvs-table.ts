// An IPVS table as plain data: apply operations the way the kernel would (refusing what it
// refuses), put a table in a canonical order, and compare tables. Used to project the state
// after a batch (for --diff and the read-back check). Every lookup goes through a map keyed by
// serviceKeyString / destinationKeyString, and a projection builds anew only the services the
// batch touches: a 20,000 x 10 table costs what it holds (and a batch what it changes), not its
// square. Model objects are never changed once made, so a projection holds the operations' own
// service and destination objects rather than copies (a load's 22,000 copies were garbage).
import {
  destinationKeyString,
  destinationSettingsEqual,
  serviceKeyString,
  serviceSettingsEqual,
  type Destination,
  type IpvsService,
  type ServiceKey,
  type VirtualService,
} from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';
import { QUICK_STEPS_PER_PAUSE, runToEnd, type Pausable } from '../../lvs/yield-point';

/** What the kernel answers to an operation it refuses (ipvsadm's own wording). */
export class IpvsOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpvsOperationError';
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts (stably) by a key computed once per item; a table read from the kernel is often in order already. */
function sortedBy<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const keys = items.map(keyOf);
  if (keys.every((key, i) => i === 0 || compareStrings(keys[i - 1], key) <= 0)) return [...items];
  return items
    .map((item, i) => ({ item, key: keys[i] }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((entry) => entry.item);
}

/** The services (not copied) sorted by key: the kernel's order does not matter. */
export function canonicalServiceOrder(services: readonly IpvsService[]): IpvsService[] {
  return sortedBy(services, (s) => serviceKeyString(s.service.key));
}

/** A service's destinations (not copied) sorted by address:port. */
export function canonicalDestinationOrder(s: IpvsService): Destination[] {
  return sortedBy(s.destinations, destinationKeyString);
}

/** One lookup; for many, index the table once with servicesByKey. */
export function findService(services: readonly IpvsService[], key: ServiceKey): IpvsService | undefined {
  const wanted = serviceKeyString(key);
  return services.find((s) => serviceKeyString(s.service.key) === wanted);
}

/** The table by serviceKeyString (the first of a key wins, as findService finds it). */
export function servicesByKey(services: readonly IpvsService[]): Map<string, IpvsService> {
  return runToEnd(servicesByKeySteps(services));
}

function* servicesByKeySteps(services: readonly IpvsService[]): Pausable<Map<string, IpvsService>> {
  const byKey = new Map<string, IpvsService>();
  for (const s of services) {
    const key = serviceKeyString(s.service.key);
    if (!byKey.has(key)) byKey.set(key, s);
    yield;
  }
  return byKey;
}

/** The table after all operations in order; throws at the first one the kernel would refuse. */
export function applyIpvsOperations(services: readonly IpvsService[], ops: readonly IpvsOperation[]): IpvsService[] {
  return runToEnd(projectionSteps(services, ops)).services;
}

/** The table after a batch, and what became of each service the batch touched. */
export interface Projection {
  services: IpvsService[];
  /** by serviceKeyString, each service an operation named: its projected object, or undefined once deleted */
  touched: Map<string, IpvsService | undefined>;
}

/** A touched service of a projection: its own destination list, by destinationKeyString (a Map keeps insertion order). */
interface ChangedService {
  service: VirtualService;
  destinations: Map<string, Destination>;
}

/**
 * A service the batch adds and has since only given destinations: the list as they were added.
 * No key string or map is made for one while it holds at most ADDED_SCAN_LIMIT (a 2,000 x 10
 * load: 20,000 strings and 2,000 maps, all kept alive through the projection, were two fifths
 * of what its diff allocated, and page faults in the lab's kernel).
 */
interface AddedService {
  service: VirtualService;
  destinations: Destination[];
}

/** Destinations an added service's list is searched through for a duplicate, before it takes a map. */
const ADDED_SCAN_LIMIT = 32;

/**
 * A service of a projection: the input's object while no operation touched it, then a new one
 * (`changed`), or one the batch added (`added`, until any operation other than adding a
 * destination turns it into `changed`).
 */
interface ProjectedService {
  kept: IpvsService | undefined;
  changed: ChangedService | undefined;
  added: AddedService | undefined;
}

/** The service an entry of the projection ends as. */
function projectedOf(entry: ProjectedService): IpvsService {
  if (entry.added) return { service: entry.added.service, destinations: entry.added.destinations };
  if (entry.changed) return { service: entry.changed.service, destinations: [...entry.changed.destinations.values()] };
  return entry.kept as IpvsService;
}

// Loops over a table or a batch go by index: with V8's optimizing compiler off (a one-CPU
// director, agent/optimizing-compiler.ts) for-of makes an iterator result per element, and a
// load's 22,000 operations made a megabyte of garbage per loop.

/**
 * The name of each operation's service, made once per run of operations on one service: a
 * service's operations follow one another under its one key object (reconcile.ts).
 */
class OperationNames {
  private key: ServiceKey | undefined;
  name = '';

  /** Names `op`'s service; true when it is another service than the operation before's. */
  next(op: IpvsOperation): boolean {
    const opKey = 'service' in op ? op.service.key : op.key;
    if (opKey === this.key) return false;
    this.key = opKey;
    this.name = serviceKeyString(opKey);
    return true;
  }
}

/**
 * applyIpvsOperations, pausable between services and operations (see lvs/yield-point.ts).
 * Copy on write: a service no operation touches is the input's own object in the result (a
 * no-op apply of 200,000 destinations copies none); neither table is ever changed. `byName`,
 * the same services by serviceKeyString (the reconcile made it): only the services an
 * operation names are looked up and built anew, and the table is not indexed again.
 */
export function* projectionSteps(
  services: readonly IpvsService[], ops: readonly IpvsOperation[], byName?: ReadonlyMap<string, IpvsService>,
): Pausable<Projection> {
  // an index of exactly these services (a key held twice, never by a kernel, takes the whole walk)
  if (byName !== undefined && byName.size === services.length) return yield* touchedProjectionSteps(services, ops, byName);
  const table = new Map<string, ProjectedService>();
  // a step is a lookup or two: a pause point every QUICK_STEPS_PER_PAUSE (one costs about as much)
  let step = 0;
  for (let i = 0; i < services.length; i++) {
    const s = services[i];
    table.set(serviceKeyString(s.service.key), { kept: s, changed: undefined, added: undefined });
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  const names = new OperationNames();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    names.next(op);
    applyOperation(table, op, names.name);
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  const result: IpvsService[] = [];
  // the touched services' projected objects, found again by name without a pass over the table
  const made = new Map<ProjectedService, IpvsService>();
  for (const entry of table.values()) {
    if (entry.changed || entry.added) {
      const service = projectedOf(entry);
      made.set(entry, service);
      result.push(service);
    } else {
      result.push(entry.kept as IpvsService);
    }
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  const touched = new Map<string, IpvsService | undefined>();
  const touchedNames = new OperationNames();
  for (let i = 0; i < ops.length; i++) {
    if (!touchedNames.next(ops[i])) continue;
    const touchedName = touchedNames.name;
    const entry = table.get(touchedName);
    touched.set(touchedName, entry === undefined ? undefined : made.get(entry) ?? entry.kept);
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  return { services: result, touched };
}

/** projectionSteps with an index: work in proportion to the operations, and one copy of the list. */
function* touchedProjectionSteps(
  services: readonly IpvsService[], ops: readonly IpvsOperation[], byName: ReadonlyMap<string, IpvsService>,
): Pausable<Projection> {
  // the services the operations name, as the input holds them, then as they change
  const table = new Map<string, ProjectedService>();
  const originals = new Map<string, IpvsService>();
  const addedAndDeleted: string[] = [];
  const names = new OperationNames();
  // a step is a lookup or two: a pause point every QUICK_STEPS_PER_PAUSE (one costs about as much)
  let step = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (names.next(op)) {
      const original = originals.has(names.name) ? undefined : byName.get(names.name);
      if (original !== undefined) {
        originals.set(names.name, original);
        table.set(names.name, { kept: original, changed: undefined, added: undefined });
      }
    }
    applyOperation(table, op, names.name);
    // a service the batch both adds and deletes is in neither map below: named here
    if (op.op === 'delete-service' && !originals.has(names.name)) addedAndDeleted.push(names.name);
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  const touched = new Map<string, IpvsService | undefined>();
  /** each touched input service: what stands in its place (undefined: it is gone from there) */
  const replaced = new Map<IpvsService, IpvsService | undefined>();
  const appended: IpvsService[] = [];
  for (const [touchedName, entry] of table) {
    const projected = projectedOf(entry);
    touched.set(touchedName, projected);
    const original = originals.get(touchedName);
    // an input service stays in its place; a new one (or one deleted and added again) goes last, as in the walk
    if (original !== undefined && entry.kept === original) replaced.set(original, projected);
    else appended.push(projected);
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  for (const [touchedName, original] of originals) {
    if (!replaced.has(original)) replaced.set(original, undefined);
    if (!touched.has(touchedName)) touched.set(touchedName, undefined);
  }
  for (const name of addedAndDeleted) if (!touched.has(name)) touched.set(name, undefined);
  let result: IpvsService[];
  let removed = 0;
  for (const projected of replaced.values()) if (projected === undefined) removed++;
  if (removed === 0 && replaced.size <= 64) {
    // a few changed in place (a weight): the list copied whole, those few put in
    result = services.slice();
    for (const [original, projected] of replaced) {
      const at = result.indexOf(original);
      if (at < 0) throw new Error('projection: the index names a service the table does not hold');
      result[at] = projected as IpvsService;
    }
  } else {
    result = [];
    for (let i = 0; i < services.length; i++) {
      const s = services[i];
      const projected = replaced.has(s) ? replaced.get(s) : s;
      if (projected !== undefined) result.push(projected);
      if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
    }
  }
  for (const s of appended) result.push(s);
  return { services: result, touched };
}

/** The entry as a service with its destinations by key, made so from what it was on the first change that needs it. */
function changedService(entry: ProjectedService): ChangedService {
  if (entry.changed) return entry.changed;
  const from = entry.added ?? (entry.kept as IpvsService);
  const destinations = new Map<string, Destination>();
  for (let i = 0; i < from.destinations.length; i++) destinations.set(destinationKeyString(from.destinations[i]), from.destinations[i]);
  entry.changed = { service: from.service, destinations };
  entry.added = undefined;
  return entry.changed;
}

/** Whether the list names `d`'s address and port (what destinationKeyString compares), without making a key. */
function holdsDestination(destinations: readonly Destination[], d: Destination): boolean {
  // by index: with V8's optimizing compiler off, for-of makes an iterator result per element
  for (let i = 0; i < destinations.length; i++) {
    if (destinations[i].address === d.address && destinations[i].port === d.port) return true;
  }
  return false;
}

/** Changes the projection as the kernel would change its table (`name`: the service's serviceKeyString), or throws IpvsOperationError with ipvsadm's wording. */
function applyOperation(table: Map<string, ProjectedService>, op: IpvsOperation, name: string): void {
  const existing = table.get(name);
  switch (op.op) {
    case 'add-service':
      if (existing) throw new IpvsOperationError(`${name}: Service already exists`);
      table.set(name, { kept: undefined, changed: undefined, added: { service: op.service, destinations: [] } });
      return;
    case 'edit-service':
      if (!existing) throw new IpvsOperationError(`${name}: No such service`);
      changedService(existing).service = op.service;
      return;
    case 'delete-service':
      if (!existing) throw new IpvsOperationError(`${name}: No such service`);
      table.delete(name);
      return;
    default: {
      if (!existing) throw new IpvsOperationError(`${name}: Service not defined`);
      const added = existing.added;
      if (added && op.op === 'add-destination' && added.destinations.length < ADDED_SCAN_LIMIT) {
        if (holdsDestination(added.destinations, op.destination)) {
          throw new IpvsOperationError(`${name} -> ${destinationKeyString(op.destination)}: Destination already exists`);
        }
        added.destinations.push(op.destination);
        return;
      }
      const destinations = changedService(existing).destinations;
      const id = destinationKeyString(op.destination);
      const present = destinations.has(id);
      // the error's text is made only for an error: a load makes 22,000 of these checks
      if (op.op === 'add-destination') {
        if (present) throw new IpvsOperationError(`${name} -> ${id}: Destination already exists`);
      } else if (!present) {
        throw new IpvsOperationError(`${name} -> ${id}: No such destination`);
      }
      // A Map keeps an edited key where it was and appends a new one. The kernel puts a new
      // destination at the head of its list instead (a fresh load lists newest first): order is
      // never compared (sameService), and the read-back's in-place match takes either order.
      if (op.op === 'delete-destination') destinations.delete(id);
      else destinations.set(id, op.destination);
    }
  }
}

/** Whether two services hold the same settings and the same destinations (order aside). */
export function sameService(a: IpvsService, b: IpvsService): boolean {
  if (!serviceSettingsEqual(a.service, b.service)) return false;
  if (a.destinations.length !== b.destinations.length) return false;
  // Usually both list the same address:port at every index: no keys to build then.
  const aligned = a.destinations.every((d, i) => d.address === b.destinations[i].address && d.port === b.destinations[i].port);
  if (aligned) return a.destinations.every((d, i) => destinationSettingsEqual(d, b.destinations[i]));
  const byKey = new Map(b.destinations.map((d) => [destinationKeyString(d), d]));
  return a.destinations.every((d) => {
    const other = byKey.get(destinationKeyString(d));
    return other !== undefined && destinationSettingsEqual(d, other);
  });
}

/**
 * Where `actual` differs from `expected` for the given service keys, one line each
 * ("tcp 10.0.0.100:80: expected …, found …"); empty when they agree.
 */
export function tableDifferences(
  expected: readonly IpvsService[],
  actual: readonly IpvsService[],
  keys: readonly ServiceKey[],
): string[] {
  return runToEnd(tableDifferenceSteps(expected, actual, keys));
}

/** tableDifferences, pausable between services. */
export function* tableDifferenceSteps(
  expected: readonly IpvsService[],
  actual: readonly IpvsService[],
  keys: readonly ServiceKey[],
): Pausable<string[]> {
  const expectedByKey = yield* servicesByKeySteps(expected);
  const actualByKey = yield* servicesByKeySteps(actual);
  const problems: string[] = [];
  for (const key of keys) {
    const name = serviceKeyString(key);
    const want = expectedByKey.get(name);
    const got = actualByKey.get(name);
    if (!want && got) problems.push(`${name}: expected absent, found present`);
    else if (want && !got) problems.push(`${name}: expected present, found absent`);
    else if (want && got && !sameService(want, got)) problems.push(`${name}: ${describeServiceDifference(want, got)}`);
    yield;
  }
  return problems;
}

function describeServiceDifference(want: IpvsService, got: IpvsService): string {
  if (!serviceSettingsEqual(want.service, got.service)) {
    return `expected ${settingsText(want)}, found ${settingsText(got)}`;
  }
  const wantDests = want.destinations.map(destinationText).sort().join(', ');
  const gotDests = got.destinations.map(destinationText).sort().join(', ');
  return `expected destinations [${wantDests}], found [${gotDests}]`;
}

function settingsText(s: IpvsService): string {
  const p = s.service.persistence;
  const persistence = p ? ` -p ${p.timeout}${p.netmask ? ` -M ${p.netmask}` : ''}` : '';
  const flags = s.service.flags.length ? ` -b ${[...s.service.flags].sort().join(',')}` : '';
  return `-s ${s.service.scheduler}${flags}${persistence}`;
}

function destinationText(d: Destination): string {
  return `${destinationKeyString(d)} ${d.forwarding} w${d.weight}`;
}
