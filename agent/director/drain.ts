// Graceful removal of destinations, pure: which deletions of a reconciled batch become a drain
// (weight 0 now, deletion later), and which drains a sweep may finish. A client keeps its
// established connections (and, with persistence, its template) to a weight-0 destination,
// while new ones go elsewhere; deleting at once would cut them.
import type { DestinationConnections } from '../../lvs/ipvs-reading';
import { destinationKeyString, serviceKeyString, type Destination, type IpvsService, type ServiceKey } from '../../lvs/model';
import type { DrainingDestination } from '../state/ownership';
import type { IpvsOperation } from '../../lvs/operations';

/** Five minutes: long enough for a page load or a download, short enough for a rolling change. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 300_000;

/** "tcp 10.0.0.100:80 -> 10.0.0.12:80": how steps, notices and the sweep name a destination. */
export function drainTarget(entry: Pick<DrainingDestination, 'service' | 'address' | 'port'>): string {
  return `${serviceKeyString(entry.service)} -> ${destinationKeyString(entry)}`;
}

/**
 * UDP has no connection state a client would lose (IPVS only keeps its entries until they
 * expire), so a UDP destination goes at once. A fwmark service may carry TCP, so it drains.
 */
export function drains(service: ServiceKey): boolean {
  return service.kind !== 'udp';
}

export interface DrainPlan {
  /** the batch: deletions of draining destinations replaced by weight 0 (or left out when already 0) */
  ops: IpvsOperation[];
  /** the weight-0 edits among ops, reported as "drain-destination" steps rather than edits */
  drainEdits: ReadonlySet<IpvsOperation>;
  /** drains this apply begins */
  started: DrainingDestination[];
  /** drains already under way that go on (not in the plan, still in the kernel) */
  waiting: DrainingDestination[];
  /** among waiting, those whose weight someone raised again: set back to 0 */
  rezeroed: DrainingDestination[];
  /** drains ended because the plan wants the destination again; reconcile gives its weight back */
  returned: DrainingDestination[];
  /** the drain list once the batch is applied */
  draining: DrainingDestination[];
}

export function planDrains(input: {
  ops: readonly IpvsOperation[];
  /** the kernel's table before the batch */
  actual: readonly IpvsService[];
  desired: readonly IpvsService[];
  draining: readonly DrainingDestination[];
  now: number;
}): DrainPlan {
  const kernelDestination = destinationFinder(input.actual);
  const existing = new Map(input.draining.map((e) => [drainTarget(e), e]));

  // the operations before the first deletion that drains go over as they are, in one copy (a
  // load: 22,000 of them, none a deletion)
  let first = 0;
  while (first < input.ops.length && !drainingDeletion(input.ops[first])) first++;
  const ops: IpvsOperation[] = input.ops.slice(0, first);
  const drainEdits = new Set<IpvsOperation>();
  const started: DrainingDestination[] = [];
  const waiting: DrainingDestination[] = [];
  const rezeroed: DrainingDestination[] = [];
  for (let i = first; i < input.ops.length; i++) {
    const op = input.ops[i];
    if (op.op !== 'delete-destination' || !drains(op.key)) {
      ops.push(op);
      continue;
    }
    const target = drainTarget({ service: op.key, ...op.destination });
    const already = existing.get(target);
    const entry = already ?? { since: input.now, service: structuredClone(op.key), address: op.destination.address, port: op.destination.port };
    (already ? waiting : started).push(entry);
    const now = kernelDestination(op.key, op.destination) ?? op.destination;
    // Weight already 0 (a drain under way, or a health check that quiesced it): nothing to edit.
    if (now.weight !== 0) {
      const edit: IpvsOperation = { op: 'edit-destination', key: op.key, destination: weightZero(now), before: now };
      ops.push(edit);
      drainEdits.add(edit);
      if (already) rezeroed.push(entry);
    }
  }

  const returned = input.draining.length === 0 ? [] : returnedFromDrain(input.draining, input.desired);
  return { ops, drainEdits, started, waiting, rezeroed, returned, draining: [...waiting, ...started] };
}

function drainingDeletion(op: IpvsOperation): boolean {
  return op.op === 'delete-destination' && drains(op.key);
}

/**
 * Finds a destination in the kernel's table by service and address:port. Indexes are built on
 * first need, the table's by service and only the searched service's by destination: a drain
 * or two must not name each of 200,000 destinations.
 */
function destinationFinder(actual: readonly IpvsService[]): (service: ServiceKey, d: Pick<Destination, 'address' | 'port'>) => Destination | undefined {
  let services: Map<string, IpvsService> | undefined;
  const destinations = new Map<string, Map<string, Destination>>();
  return (service, d) => {
    const name = serviceKeyString(service);
    let byKey = destinations.get(name);
    if (!byKey) {
      services ??= new Map(actual.map((s) => [serviceKeyString(s.service.key), s]));
      // the last of a key wins, as it did in one map of every destination by its drain target
      byKey = new Map((services.get(name)?.destinations ?? []).map((x) => [destinationKeyString(x), x]));
      destinations.set(name, byKey);
    }
    return byKey.get(destinationKeyString(d));
  };
}

/** Drains the plan wants back: the destination is planned again in a planned service. */
function returnedFromDrain(draining: readonly DrainingDestination[], desired: readonly IpvsService[]): DrainingDestination[] {
  const drainingServices = new Set(draining.map((e) => serviceKeyString(e.service)));
  // A target names its service, so a planned target is in a planned service.
  const desiredTargets = new Set<string>();
  for (const s of desired) {
    if (!drainingServices.has(serviceKeyString(s.service.key))) continue;
    for (const d of s.destinations) desiredTargets.add(drainTarget({ service: s.service.key, ...d }));
  }
  return draining.filter((e) => desiredTargets.has(drainTarget(e)));
}

function weightZero(d: Destination): Destination {
  return { ...structuredClone(d), weight: 0 };
}

export interface SweepDecision {
  /** drains that are done: delete these destinations */
  remove: Array<{ entry: DrainingDestination; destination: Destination; why: string }>;
  /** still draining, with what they wait on */
  keep: Array<{ entry: DrainingDestination; active: number; inactive: number }>;
  /** no longer in the kernel (deleted by someone else, or with their service): off the list */
  gone: DrainingDestination[];
}

/** Which drains are over: no connections left (active + inactive = 0), or the timeout passed. */
export function decideSweep(
  draining: readonly DrainingDestination[],
  connections: readonly DestinationConnections[],
  now: number,
  timeoutMs: number,
): SweepDecision {
  const byTarget = new Map(connections.map((c) => [drainTarget({ service: c.service, ...c.destination }), c]));
  const decision: SweepDecision = { remove: [], keep: [], gone: [] };
  for (const entry of draining) {
    const found = byTarget.get(drainTarget(entry));
    if (!found) {
      decision.gone.push(entry);
      continue;
    }
    const { active, inactive, destination } = found;
    if (active + inactive === 0) {
      decision.remove.push({ entry, destination, why: 'no connections left' });
    } else if (now - entry.since >= timeoutMs) {
      const why = `drain timeout of ${Math.round(timeoutMs / 1000)} s passed with ${active} active and ${inactive} inactive connection(s) left`;
      decision.remove.push({ entry, destination, why });
    } else {
      decision.keep.push({ entry, active, inactive });
    }
  }
  return decision;
}
