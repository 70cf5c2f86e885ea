// The director's plan for one apply: read the kernel once, refuse what cannot be done safely,
// then diff (pure): IPVS operations with drains in place of deletions, and the mark chain.
import { errorMessage } from '../../lvs/errors';
import { plannedDestinations, type DirectorPlan, type DirectorService } from '../../lvs/host-plan';
import type { Ipvs } from '../kernel/ipvs';
import type { UnparsedService } from '../../lvs/ipvs-reading';
import type { Marks } from '../kernel/marks';
import { isIpv6, serviceKeyString, type Destination, type IpvsService, type ServiceKey } from '../../lvs/model';
import { readOwnership, type DirectorOwnership } from '../state/ownership';
import { planDrains, type DrainPlan } from './drain';
import { projectionSteps } from './ipvs-table';
import { markChainDrift } from './mark-drift';
import type { IpvsOperation } from '../../lvs/operations';
import { ownedSetOf, reconcileIpvsSteps, reconcileMarks, type MarkReconciliation } from './reconcile';
import type { Snapshot } from './rollback';
import { runSliced, type Pausable } from '../../lvs/yield-point';

export interface Planned {
  plan: DirectorPlan;
  desired: IpvsService[];
  ownership: DirectorOwnership;
  snapshot: Snapshot;
  /** the batch, drains in place of deletions */
  ops: IpvsOperation[];
  drains: DrainPlan;
  marks: MarkReconciliation;
  /** findings about the owned chain that this agent did not cause */
  markDrift: string[];
  /** the IPVS table once ops are applied */
  projected: IpvsService[];
  unmanaged: ServiceKey[];
  adopted: ServiceKey[];
  /** services in the kernel lvsctl cannot read: someone else's, never touched */
  foreign: UnparsedService[];
}

export async function planChanges(
  kernel: { ipvs: Ipvs; marks: Marks },
  stateDir: string,
  plan: DirectorPlan,
  now: number,
  healthWeights?: (service: DirectorService, destination: Destination) => number,
): Promise<Planned> {
  refuseIpv6MarkRules(plan);
  const ownership = await readOwnership(stateDir);
  let snapshot: Snapshot;
  let foreign: UnparsedService[];
  try {
    const [ipvs, marks] = await Promise.all([kernel.ipvs.read(), kernel.marks.read()]);
    snapshot = { ipvs: ipvs.services, marks };
    foreign = ipvs.unparsed;
  } catch (error) {
    throw new Error(`cannot read the kernel state, nothing was changed: ${errorMessage(error)}`);
  }
  refuseForeignCollisions(plan, foreign);
  // The table-sized steps run in slices so the agent keeps answering RPCs meanwhile.
  const desired = await runSliced(desiredSteps(plan, healthWeights));
  const ipvs = await runSliced(reconcileIpvsSteps(desired, snapshot.ipvs, ownedSetOf(ownership.services)));
  const drains = planDrains({ ops: ipvs.ops, actual: snapshot.ipvs, desired, draining: ownership.draining, now });
  const marks = reconcileMarks(plan.marks, snapshot.marks);
  const projected = await runSliced(projectionSteps(snapshot.ipvs, drains.ops));
  return {
    plan,
    desired,
    ownership,
    snapshot,
    ops: drains.ops,
    drains,
    marks,
    markDrift: markChainDrift(snapshot.marks, ownership.markRules),
    projected,
    unmanaged: ipvs.unmanaged,
    adopted: ipvs.adopted,
    foreign,
  };
}

/** The table the plan wants; a realserver health knows to be down keeps weight 0 through the apply (keepalived's rule). */
function* desiredSteps(plan: DirectorPlan, healthWeights?: (service: DirectorService, destination: Destination) => number): Pausable<IpvsService[]> {
  const weightOf = healthWeights ?? ((_service: DirectorService, d: Destination) => d.weight);
  const desired: IpvsService[] = [];
  for (const s of plan.services) {
    desired.push({ service: s.service, destinations: plannedDestinations(s).map((d) => ({ ...d, weight: weightOf(s, d) })) });
    yield;
  }
  return desired;
}

/** The owned chain lives in iptables (IPv4) only; refusing up front beats failing half-way and rolling back. */
function refuseIpv6MarkRules(plan: DirectorPlan): void {
  const index = plan.marks.findIndex((rule) => isIpv6(rule.destination));
  if (index < 0) return;
  const rule = plan.marks[index];
  throw new Error(
    `marks[${index}] (mark ${rule.mark} for ${rule.destination}) is IPv6: the director writes mark rules with iptables ` +
      `(IPv4) only so far, nothing was changed; mark IPv6 traffic by hand with ip6tables, or leave that rule out of the plan`,
  );
}

/**
 * A planned service whose key the kernel already holds as a service lvsctl cannot read (say
 * with -o or --pe sip): adopting it would silently drop what lvsctl cannot express, and adding
 * it fails. Refused before anything changes.
 */
function refuseForeignCollisions(plan: DirectorPlan, foreign: readonly UnparsedService[]): void {
  if (foreign.length === 0) return;
  const byKey = new Map(foreign.flatMap((f) => (f.key ? [[serviceKeyString(f.key), f] as const] : [])));
  const clashes = plan.services.flatMap((s, index) => {
    const other = byKey.get(serviceKeyString(s.service.key));
    return other ? [{ index, name: s.name, other }] : [];
  });
  if (clashes.length === 0) return;
  const text = clashes
    .map(({ index, name, other }) =>
      `services[${index}] ("${name}", ${serviceKeyString(plan.services[index].service.key)}) is already in the kernel as a service ` +
      `lvsctl cannot read: ${other.reason} (${JSON.stringify(other.line)})`,
    )
    .join('; ');
  throw new Error(
    `${text}; nothing was changed. Fix: if the plan is to replace it, delete it by hand (ipvsadm -D ${clashes[0].other.name}) ` +
      `and apply again; otherwise give the plan's service another address, port or mark`,
  );
}
