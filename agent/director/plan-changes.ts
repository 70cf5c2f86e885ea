// The director's plan for one apply: read the kernel once, refuse what cannot be done safely,
// then diff (pure): IPVS operations with drains in place of deletions, and the mark chain.
import { errorMessage } from '../../lvs/errors';
import { plannedDestinations, type DirectorPlan, type DirectorService } from '../../lvs/host-plan';
import type { Ipvs } from '../kernel/ipvs';
import type { UnparsedService } from '../../lvs/ipvs-reading';
import type { Marks } from '../kernel/marks';
import { serviceKeyString, type Destination, type IpvsService, type ServiceKey } from '../../lvs/model';
import { NO_MARKS, type MarkState } from '../../lvs/mark-state';
import type { ApplyPhases } from './apply-phases';
import { chainLabel, rulesOfFamily } from './mark-families';
import { readOwnership, type DirectorOwnership } from '../state/ownership';
import { planDrains, type DrainPlan } from './drain';
import { projectionSteps } from './ipvs-table';
import { MARK_CHAIN } from '../../lvs/formats/iptables-format';
import { markChainDrift } from './mark-drift';
import type { IpvsOperation } from '../../lvs/operations';
import { KnownEqual, ownedSetOf, reconcileIpvsSteps, reconcileMarks, type MarkReconciliation, type OwnedSet } from './reconcile';
import type { Snapshot } from './rollback';
import { QUICK_STEPS_PER_PAUSE, runSliced, type Pausable } from '../../lvs/yield-point';

export interface Planned {
  plan: DirectorPlan;
  desired: IpvsService[];
  ownership: DirectorOwnership;
  snapshot: Snapshot;
  /** the batch, drains in place of deletions */
  ops: IpvsOperation[];
  drains: DrainPlan;
  /** the IPv4 chain (iptables) */
  marks: MarkReconciliation;
  /** findings about the IPv4 owned chain that this agent did not cause */
  markDrift: string[];
  /** the IPv6 chain (ip6tables): only when the plan has IPv6 mark rules or this agent wrote some */
  marks6?: MarkReconciliation;
  markDrift6: string[];
  /** the IPVS table once ops are applied */
  projected: IpvsService[];
  /** by serviceKeyString, each service an operation of `ops` names, as projected (undefined: deleted) */
  projectedTouched: Map<string, IpvsService | undefined>;
  /** the desired services an operation adds or changes (reconcile.ts) */
  desiredChanged: IpvsService[];
  unmanaged: ServiceKey[];
  adopted: ServiceKey[];
  /** planned services the ownership file does not name yet: claimed before the batch (ownership-claim.ts) */
  notOwned: ServiceKey[];
  /** services in the kernel lvsctl cannot read: someone else's, never touched */
  foreign: UnparsedService[];
  /** the IPv4 mangle table was read (not skipped as unable to matter) */
  marksRead: boolean;
}

export interface PlanChangesOptions {
  /** the weight an apply must give a destination (health's wantedWeight); default the plan's */
  healthWeights?: (service: DirectorService, destination: Destination) => number;
  /** true while healthWeights is the plan's weight for every destination: not asked then */
  healthHoldsNone?: () => boolean;
  phases?: ApplyPhases;
  /** read the mangle table even when no mark can matter (the agent's first apply since it started) */
  readMarksAnyway?: boolean;
  /** kept from one apply to the next: what was already found equal, and desired services already made */
  memo?: DiffMemo;
}

/**
 * What one apply's diff leaves to the next: the desired service made from each plan service
 * (the same plan service object, with every weight the plan's, gives the same desired object)
 * and the kernel/desired pairs found equal (reconcile.ts KnownEqual).
 */
export class DiffMemo {
  readonly knownEqual = new KnownEqual();
  readonly desiredOf = new WeakMap<DirectorService, IpvsService>();
  /**
   * The owned set made from an ownership file's services: the file is parsed again only when it
   * changed (state/file-memo.ts), so an apply that leaves it as it is (a weight changed, a no-op)
   * hands the next one the same array, and 2,000 keys are not put in a set again.
   */
  readonly ownedOf = new WeakMap<readonly ServiceKey[], OwnedSet>();

  owned(services: readonly ServiceKey[]): OwnedSet {
    let owned = this.ownedOf.get(services);
    if (owned === undefined) {
      owned = ownedSetOf(services);
      this.ownedOf.set(services, owned);
    }
    return owned;
  }
}

export async function planChanges(
  kernel: { ipvs: Ipvs; marks: Marks; marks6?: Marks },
  stateDir: string,
  plan: DirectorPlan,
  now: number,
  options: PlanChangesOptions = {},
): Promise<Planned> {
  const { healthWeights, phases } = options;
  const ownership = await readOwnership(stateDir);
  // The IPv6 table is read only when there is something to do there: a director without
  // ip6tables (or its modules) keeps working as long as its plans are IPv4.
  const wants6 = rulesOfFamily(plan.marks, 'inet6');
  const wrote6 = rulesOfFamily(ownership.markRules, 'inet6');
  const marks6Door = wants6.length > 0 || wrote6.length > 0 ? kernel.marks6 : undefined;
  if (wants6.length > 0 && marks6Door === undefined) {
    const index = plan.marks.indexOf(wants6[0]);
    throw new Error(`marks[${index}] (mark ${wants6[0].mark} for ${wants6[0].destination}) is IPv6, and this agent was built without ip6tables; nothing was changed`);
  }
  // Reading the mangle table starts a process (half a second, in the lab's kernel): skipped
  // when no mark can matter, the plan wanting none, none written here, no fwmark service
  // planned, and the agent has read it since it started (its first apply looks for a chain
  // left by an agent killed between its chain swap and its ownership file; the reading taken
  // as the agent started will do for that, see leftoverChainCheck).
  const marksMatter = rulesOfFamily(plan.marks, 'inet').length > 0 ||
    rulesOfFamily(ownership.markRules, 'inet').length > 0 || plan.services.some((s) => s.service.key.kind === 'fwmark');
  const readMarks = (): Promise<MarkState> | MarkState =>
    marksMatter ? kernel.marks.read() : options.readMarksAnyway === true ? leftoverChainCheck(kernel.marks) : NO_MARKS;
  let snapshot: Snapshot;
  let foreign: UnparsedService[];
  try {
    const [ipvs, marks, marks6] = await Promise.all([kernel.ipvs.readForApply ? kernel.ipvs.readForApply() : kernel.ipvs.read(), readMarks(), readIpv6Marks(marks6Door)]);
    snapshot = { ipvs: ipvs.services, marks, ...(marks6 ? { marks6 } : {}) };
    foreign = ipvs.unparsed;
    phases?.read('plan', ipvs.how);
  } catch (error) {
    throw new Error(`cannot read the kernel state, nothing was changed: ${errorMessage(error)}`);
  }
  phases?.lap('read');
  refuseForeignCollisions(plan, foreign);
  // The table-sized steps run in slices so the agent keeps answering RPCs meanwhile.
  // health holding no destination off its plan weight (the usual case): 20,000 questions not asked
  const weights = options.healthHoldsNone?.() === true ? undefined : healthWeights;
  const desired = await runSliced(desiredSteps(plan, weights, options.memo?.desiredOf));
  const ipvs = await runSliced(reconcileIpvsSteps(desired, snapshot.ipvs, options.memo ? options.memo.owned(ownership.services) : ownedSetOf(ownership.services), options.memo?.knownEqual));
  const drains = planDrains({ ops: ipvs.ops, actual: snapshot.ipvs, desired, draining: ownership.draining, now });
  const marks = reconcileMarks(rulesOfFamily(plan.marks, 'inet'), snapshot.marks);
  const marks6 = snapshot.marks6 ? reconcileMarks(wants6, snapshot.marks6) : undefined;
  refuseReferencedChainRemoval(marks, snapshot.marks, 'inet');
  if (marks6 && snapshot.marks6) refuseReferencedChainRemoval(marks6, snapshot.marks6, 'inet6');
  const projection = await runSliced(projectionSteps(snapshot.ipvs, drains.ops, ipvs.actualByName));
  phases?.lap('diff');
  return {
    plan,
    desired,
    ownership,
    snapshot,
    ops: drains.ops,
    drains,
    marks,
    markDrift: markChainDrift(snapshot.marks, rulesOfFamily(ownership.markRules, 'inet')),
    ...(marks6 ? { marks6 } : {}),
    markDrift6: snapshot.marks6 ? markChainDrift(snapshot.marks6, wrote6) : [],
    projected: projection.services,
    projectedTouched: projection.touched,
    desiredChanged: ipvs.desiredChanged,
    unmanaged: ipvs.unmanaged,
    adopted: ipvs.adopted,
    notOwned: ipvs.notOwned,
    foreign,
    marksRead: marksMatter || options.readMarksAnyway === true,
  };
}

/**
 * The table the plan wants; a realserver health knows to be down keeps weight 0 through the
 * apply (keepalived's rule). A plan service whose every weight is the plan's gives the desired
 * object it gave before (`desiredOf`), so the reconcile can know it equal by identity.
 * Without `healthWeights` every weight is the plan's.
 */
function* desiredSteps(
  plan: DirectorPlan,
  healthWeights?: (service: DirectorService, destination: Destination) => number,
  desiredOf?: WeakMap<DirectorService, IpvsService>,
): Pausable<IpvsService[]> {
  const desired: IpvsService[] = [];
  let step = 0;
  for (const s of plan.services) {
    if (healthWeights === undefined || weightsAsPlanned(s, healthWeights)) {
      // asked first, building nothing: at a re-apply nearly every service is as planned and gives
      // its desired object of last time (44 ms of a 2,000-service re-apply in the lab went into two
      // arrays per service made only to be thrown away)
      let made = desiredOf?.get(s);
      if (made === undefined) {
        made = { service: s.service, destinations: plannedDestinations(s) };
        desiredOf?.set(s, made);
      }
      desired.push(made);
    } else {
      // the plan's own destination objects where the weight stays
      desired.push({ service: s.service, destinations: plannedDestinations(s).map((d) => {
        const weight = healthWeights(s, d);
        return weight === d.weight ? d : { ...d, weight };
      }) });
    }
    // a service as planned is a lookup: a chance to pause every QUICK_STEPS_PER_PAUSE of them
    if (++step % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  return desired;
}

/** Every destination of the service gets its plan weight. */
function weightsAsPlanned(s: DirectorService, weightOf: (service: DirectorService, d: Destination) => number): boolean {
  for (const r of s.realservers) if (weightOf(s, r.destination) !== r.destination.weight) return false;
  return s.sorryServer === undefined || weightOf(s, s.sorryServer) === s.sorryServer.weight;
}

/**
 * The first apply's look for a chain left from before, when no mark can matter otherwise: the
 * reading taken as the agent started, if it finished, succeeded and shows nothing of ours
 * (then there is nothing to remove, and nothing a rollback would have to put back); a chain
 * or a jump it shows is read again now, so what is removed and restored is what is there.
 */
async function leftoverChainCheck(door: Marks): Promise<MarkState> {
  const atStart = await door.readingAtStart?.();
  if (atStart && !atStart.chainExists && atStart.jumpCount === 0) return atStart;
  return door.read();
}

/** The IPv6 mangle table, with the usual cause named when ip6tables cannot read it. */
async function readIpv6Marks(door: Marks | undefined): Promise<MarkState | undefined> {
  if (door === undefined) return undefined;
  try {
    return await door.read();
  } catch (error) {
    throw new Error(
      `IPv6 mark rules need ip6tables' mangle table, which cannot be read: ${errorMessage(error)} ` +
        `(fix: load the modules, modprobe ip6_tables ip6table_mangle, or start the agent with the other --iptables backend)`,
    );
  }
}

/**
 * A plan without mark rules deletes the owned chain, which the kernel refuses ("Device or
 * resource busy") while another rule jumps to it: refused here, before the IPVS batch, so
 * the apply does not fail half-way on it and roll back every time.
 */
function refuseReferencedChainRemoval(marks: MarkReconciliation, state: MarkState, family: 'inet' | 'inet6'): void {
  const references = state.references ?? [];
  if (marks.action !== 'remove' || references.length === 0) return;
  // the agent's --iptables chooses legacy or nft: the fix names the family's tool, whichever of the two it is
  const tool = family === 'inet6' ? 'ip6tables' : 'iptables';
  const deletions = references.map((r) => `${tool} -t mangle ${r.replace(/^-A /, '-D ')}`).join('; ');
  throw new Error(
    `the plan has no ${family === 'inet6' ? 'IPv6' : 'IPv4'} mark rules, so the apply deletes lvsctl's own chain ${chainLabel(MARK_CHAIN, family)}, ` +
      `and the kernel keeps a chain another rule jumps to: ${references.map((r) => JSON.stringify(r)).join(', ')}; nothing was changed. ` +
      `Fix: delete ${references.length === 1 ? 'that rule' : 'those rules'} (${deletions}, with the ${tool} backend the agent uses, legacy or nft) ` +
      'or point them at a chain of their own, then apply again',
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
