// The pure heart of the director: desired state vs. the kernel's actual state vs. what the
// agent owns → the fewest operations that make the owned part equal to the desired part.
// Settings change in place (-E, -e) so connections and persistence templates survive.
import {
  destinationKeyString,
  destinationSettingsEqual,
  isIpv6,
  serviceKeyString,
  serviceSettingsEqual,
  type Destination,
  type IpvsService,
  type MarkRule,
  type ServiceKey,
} from '../../lvs/model';
import type { MarkState } from '../../lvs/mark-state';
import { canonicalAddress } from '../../lvs/address';
import type { IpvsOperation } from '../../lvs/operations';
import { QUICK_STEPS_PER_PAUSE, runToEnd, type Pausable } from '../../lvs/yield-point';
import { appendAll } from '../../lvs/append';

/** The services this agent created or adopted, by serviceKeyString. */
export type OwnedSet = ReadonlySet<string>;

export function ownedSetOf(keys: Iterable<ServiceKey>): OwnedSet {
  const owned = new Set<string>();
  for (const key of keys) owned.add(serviceKeyString(key));
  return owned;
}

export interface IpvsReconciliation {
  ops: IpvsOperation[];
  /** in the kernel, neither owned nor desired: left alone, reported */
  unmanaged: ServiceKey[];
  /** desired and already in the kernel but not owned: taken over from now on */
  adopted: ServiceKey[];
  /** desired but not owned yet (in the kernel or not), in plan order: what an apply claims before its batch */
  notOwned: ServiceKey[];
  /** the desired services an operation adds or changes, in plan order: what a read-back learns from (KnownEqual) */
  desiredChanged: IpvsService[];
  /** the kernel's services by serviceKeyString (the last of a key), for the projection (ipvs-table.ts) */
  actualByName: ReadonlyMap<string, IpvsService>;
}

/**
 * Pairs of a kernel service and a desired one found equal (no change between them), kept
 * from one apply to the next: the IPVS door hands out the same object for a service it
 * remembers unchanged, and the applier the same desired object for a plan service whose bytes
 * did not change (lvs/wire/decoded-services.ts), so a re-apply compares 22,000 destinations
 * only where something moved. Both objects are never changed once made (a projection builds new
 * services and holds the operations' own objects, never changing one), which is what makes
 * identity mean equality here.
 */
export class KnownEqual {
  private readonly pairs = new WeakMap<IpvsService, IpvsService>();

  has(have: IpvsService, want: IpvsService): boolean {
    return this.pairs.get(have) === want;
  }

  remember(have: IpvsService, want: IpvsService): void {
    this.pairs.set(have, want);
  }

  /**
   * After a batch, the services it touched as read back, each with the desired service it was
   * written from: the pairs that are equal are known so for the next apply, which then does
   * not compare them again.
   */
  *learnSteps(desired: readonly IpvsService[], readBack: readonly IpvsService[], touched: readonly ServiceKey[]): Pausable<void> {
    // Matched by key object first: an operation names its service with the desired service's
    // key, and a service read back as projected holds it too (a load: 2,000 of them, no name
    // made). By name otherwise, the names made once something needs them.
    const touchedObjects = new Set<ServiceKey>(touched);
    let touchedNames: Set<string> | undefined;
    const wantedByKey = new Map<ServiceKey, IpvsService>();
    for (const want of desired) {
      const { key } = want.service;
      if (touchedObjects.has(key) || (touchedNames ??= new Set(touched.map(serviceKeyString))).has(serviceKeyString(key))) wantedByKey.set(key, want);
      yield;
    }
    let wantedByName: Map<string, IpvsService> | undefined;
    for (const have of readBack) {
      let want = wantedByKey.get(have.service.key);
      if (want === undefined) {
        wantedByName ??= new Map([...wantedByKey.values()].map((w) => [serviceKeyString(w.service.key), w]));
        want = wantedByName.get(serviceKeyString(have.service.key));
      }
      if (want !== undefined && serviceChanges(want, have).length === 0) this.remember(have, want);
      yield;
    }
  }
}

export function reconcileIpvs(desired: readonly IpvsService[], actual: readonly IpvsService[], owned: OwnedSet): IpvsReconciliation {
  return runToEnd(reconcileIpvsSteps(desired, actual, owned));
}

/** reconcileIpvs, pausable between services (see lvs/yield-point.ts). */
export function* reconcileIpvsSteps(
  desired: readonly IpvsService[], actual: readonly IpvsService[], owned: OwnedSet, known?: KnownEqual,
): Pausable<IpvsReconciliation> {
  const actualByKey = new Map<string, IpvsService>();
  // a step here is a lookup or two: a chance to pause every QUICK_STEPS_PER_PAUSE of them (a pause point costs about as much)
  let step = 0;
  for (let a = 0; a < actual.length; a++) {
    const s = actual[a];
    actualByKey.set(serviceKeyString(s.service.key), s);
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  const desiredKeys = new Set<string>();
  const ops: IpvsOperation[] = [];
  const adopted: ServiceKey[] = [];
  const notOwned: ServiceKey[] = [];
  const desiredChanged: IpvsService[] = [];
  /** actual services a desired one matched: all of them, and nothing is left to delete or call unmanaged */
  let matched = 0;

  // an empty table (a load): nothing to look up, so no service is named
  const named = actualByKey.size > 0;
  // by index, here and below: with V8's optimizing compiler off (a one-CPU director) for-of
  // makes an iterator result per element, a megabyte of garbage over a load's 22,000 operations
  for (let w = 0; w < desired.length; w++) {
    const want = desired[w];
    // named only when there is something to look it up in (the kernel's table, what is owned)
    const key = named || owned.size > 0 ? serviceKeyString(want.service.key) : '';
    // a key named twice (never in a valid plan) matches its kernel service once
    const firstOfKey = named && !desiredKeys.has(key);
    if (firstOfKey) desiredKeys.add(key);
    const owns = key !== '' && owned.has(key);
    if (!owns) notOwned.push(want.service.key);
    const have = named ? actualByKey.get(key) : undefined;
    if (!have) {
      ops.push({ op: 'add-service', service: want.service });
      const { destinations } = want;
      for (let d = 0; d < destinations.length; d++) {
        ops.push({ op: 'add-destination', key: want.service.key, destination: destinations[d] });
      }
      desiredChanged.push(want);
    } else {
      if (firstOfKey) matched++;
      if (!owns) adopted.push(want.service.key);
      if (known?.has(have, want)) {
        if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
        continue;
      }
      const changes = serviceChanges(want, have);
      for (let c = 0; c < changes.length; c++) ops.push(changes[c]);
      if (changes.length === 0) known?.remember(have, want);
      else desiredChanged.push(want);
    }
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }

  const unmanaged: ServiceKey[] = [];
  // every service in the kernel is a desired one (a re-apply): no pass over them to name the rest
  // (a plan names each service once, and the kernel holds each key once)
  const allMatched = matched === actual.length && actualByKey.size === actual.length;
  for (const have of allMatched ? [] : actual) {
    const key = serviceKeyString(have.service.key);
    if (desiredKeys.has(key)) continue;
    // Service deletes last: every destination change of the kept services is done before.
    if (owned.has(key)) ops.push({ op: 'delete-service', service: have.service });
    else unmanaged.push(have.service.key);
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  return { ops, unmanaged, adopted, notOwned, desiredChanged, actualByName: actualByKey };
}

/**
 * Changes inside one existing service. New destinations come before removals so the
 * service never has less capacity mid-batch than at either end.
 */
function serviceChanges(want: IpvsService, have: IpvsService): IpvsOperation[] {
  const ops: IpvsOperation[] = [];
  const key = want.service.key;
  if (!serviceSettingsEqual(want.service, have.service)) {
    ops.push({ op: 'edit-service', service: want.service, before: have.service });
  }
  if (sameDestinationOrder(want.destinations, have.destinations)) {
    // The usual re-apply: the same destinations in the same order, only settings may differ.
    want.destinations.forEach((destination, i) => {
      const before = have.destinations[i];
      if (!destinationSettingsEqual(destination, before)) ops.push({ op: 'edit-destination', key, destination, before });
    });
    return ops;
  }
  const haveByKey = new Map(have.destinations.map((d) => [destinationKeyString(d), d]));
  const wantKeys = new Set(want.destinations.map(destinationKeyString));
  const edits: IpvsOperation[] = [];
  for (const destination of want.destinations) {
    const before = haveByKey.get(destinationKeyString(destination));
    if (!before) ops.push({ op: 'add-destination', key, destination });
    // ipvsadm -e changes the forwarding method too (-g/-m/-i), not only the weight.
    else if (!destinationSettingsEqual(destination, before)) edits.push({ op: 'edit-destination', key, destination, before });
  }
  appendAll(ops, edits);
  for (const destination of have.destinations) {
    if (!wantKeys.has(destinationKeyString(destination))) ops.push({ op: 'delete-destination', key, destination });
  }
  return ops;
}

/** Same address:port at every index (what destinationKeyString compares), without building keys. */
function sameDestinationOrder(a: readonly Destination[], b: readonly Destination[]): boolean {
  return a.length === b.length && a.every((d, i) => d.address === b[i].address && d.port === b[i].port);
}

export type MarkChainAction = 'none' | 'replace' | 'remove';

export interface MarkReconciliation {
  action: MarkChainAction;
  /** why the chain is replaced or removed, for the step message */
  reason: string;
}

/**
 * The owned chain is swapped whole (atomically), so the diff is a yes/no: does the chain,
 * with its jump, hold exactly the desired rules in the desired order? Order matters: MARK
 * does not stop the chain, so the last matching rule decides the mark.
 */
export function reconcileMarks(desired: MarkRule[], actual: MarkState): MarkReconciliation {
  if (desired.length === 0) {
    return actual.chainExists || actual.jumpCount > 0
      ? { action: 'remove', reason: 'the plan has no mark rules' }
      : { action: 'none', reason: 'no mark rules wanted and none owned' };
  }
  if (!actual.chainExists) return { action: 'replace', reason: `the chain does not exist yet (${desired.length} rule(s) to write)` };
  if (actual.jumpCount === 0) return { action: 'replace', reason: 'the jump from PREROUTING to the owned chain is missing' };
  if (actual.jumpCount > 1) {
    return { action: 'replace', reason: `PREROUTING jumps to the owned chain ${actual.jumpCount} times, collapsing that to one` };
  }
  if (actual.unparsed.length > 0) {
    return { action: 'replace', reason: `the owned chain holds ${actual.unparsed.length} rule(s) the plan does not describe` };
  }
  if (!sameMarkRules(desired, actual.owned)) return { action: 'replace', reason: 'the owned chain differs from the plan' };
  return { action: 'none', reason: 'the owned chain already holds the planned rules' };
}

export function sameMarkRules(a: readonly MarkRule[], b: readonly MarkRule[]): boolean {
  return a.length === b.length && a.every((rule, i) => markRuleIdentity(rule) === markRuleIdentity(b[i]));
}

/** iptables-save writes a host address as 10.0.0.1/32; the plan may write 10.0.0.1. */
export function markRuleIdentity(rule: MarkRule): string {
  const hostSuffix = isIpv6(rule.destination) ? '/128' : '/32';
  const bare = rule.destination.endsWith(hostSuffix) ? rule.destination.slice(0, -hostSuffix.length) : rule.destination;
  // ip6tables-save prints an IPv6 address compressed and in lower case, whatever the plan wrote.
  const destination = canonicalAddress(bare);
  return JSON.stringify([rule.mark, rule.protocol, destination, rule.ports, rule.inInterface ?? '']);
}
