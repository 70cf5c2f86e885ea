// Undoing a failed apply: the IPVS batch may have stopped half-way (ipvsadm -R keeps the lines
// before the failing one), so the undo is computed, not assumed: reconcile the snapshot against
// what the kernel holds now, for the services the apply touched (weights of drains begun come
// back with it), and put the old chain back exactly, hand-edited lines and jumps included. The
// drain list needs no undo: it is written only after a successful apply.
import { errorMessage } from '../../lvs/errors';
import type { Ipvs } from '../kernel/ipvs';
import type { Marks } from '../kernel/marks';
import type { MarkState } from '../../lvs/mark-state';
import { destinationKeyString, serviceKeyString, serviceSettingsEqual, type IpvsService, type ServiceKey } from '../../lvs/model';
import { NOTHING_APPEARED, type Appeared, type AppearedDestination, type AppearedService } from './appeared';
import type { IpvsOperation } from '../../lvs/operations';
import { tableDifferenceSteps } from './ipvs-table';
import { ownedSetOf, reconcileIpvsSteps } from './reconcile';
import { runSliced } from '../../lvs/yield-point';

export interface Snapshot {
  ipvs: IpvsService[];
  marks: MarkState;
  /** the IPv6 mangle table, when the apply read it */
  marks6?: MarkState;
}

export interface RestoreScope {
  /** every service an operation of the failed apply was about */
  services: ServiceKey[];
  /**
   * What the batch found made by someone else meanwhile (appeared.ts): such services are left
   * alone but for the destinations the batch added to them, which are taken back; such
   * destinations on services that were there are left alone.
   */
  appeared?: Appeared;
  /** the mark chain was (or may have been) changed */
  marks: boolean;
  /** the IPv6 mark chain was (or may have been) changed */
  marks6?: boolean;
}

export interface RestoreOutcome {
  ok: boolean;
  /** what the restore did, or why it could not finish, for the result's rollback field */
  message: string;
}

export async function restoreSnapshot(kernel: { ipvs: Ipvs; marks: Marks; marks6?: Marks }, snapshot: Snapshot, scope: RestoreScope): Promise<RestoreOutcome> {
  const done: string[] = [];
  const problems: string[] = [];

  if (scope.services.length > 0) {
    try {
      done.push(await restoreIpvs(kernel.ipvs, snapshot.ipvs, scope.services, scope.appeared ?? NOTHING_APPEARED));
    } catch (error) {
      problems.push(`IPVS restore failed: ${errorMessage(error)}`);
    }
  }
  if (scope.marks) {
    try {
      done.push(await restoreMarks(kernel.marks, snapshot.marks));
    } catch (error) {
      problems.push(`mark chain restore failed: ${errorMessage(error)}`);
    }
  }
  if (scope.marks6 === true && kernel.marks6 && snapshot.marks6) {
    try {
      done.push(`IPv6: ${await restoreMarks(kernel.marks6, snapshot.marks6)}`);
    } catch (error) {
      problems.push(`IPv6 mark chain restore failed: ${errorMessage(error)}`);
    }
  }
  if (problems.length > 0) {
    return {
      ok: false,
      message: `restore of the snapshot FAILED, the kernel may be half-applied: ${problems.join('; ')}` +
        (done.length ? ` (done: ${done.join('; ')})` : ''),
    };
  }
  return { ok: true, message: `restored the snapshot: ${done.length ? done.join('; ') : 'nothing had changed'}` };
}

async function restoreIpvs(ipvs: Ipvs, snapshot: IpvsService[], touched: ServiceKey[], found: Appeared): Promise<string> {
  const current = (await ipvs.read()).services;
  // ipvsadm named no refused operation: its candidates told apart by what the kernel holds
  const appeared = found.unnamed ? attributed(found, current) : found;
  // a service that appeared meanwhile is not this apply's to delete: only what it added to it goes
  const spared = new Set(appeared.services.map((a) => serviceKeyString(a.key)));
  const mine = spared.size === 0 ? touched : touched.filter((key) => !spared.has(serviceKeyString(key)));
  const touchedNames = new Set(mine.map(serviceKeyString));
  // a destination that appeared meanwhile on a service of ours stays, as the kernel holds it
  const wanted = withDestinationsAsFound(snapshot.filter((s) => touchedNames.has(serviceKeyString(s.service.key))), appeared.destinations, current);
  const { ops } = await runSliced(reconcileIpvsSteps(wanted, current, ownedSetOf(mine)));
  const takenBack = takeBackOps(appeared.services, current);
  const undo = [...ops, ...takenBack];
  if (undo.length > 0) await ipvs.applyBatch(undo);
  const after = (await ipvs.read()).services;
  const left = await runSliced(tableDifferenceSteps(wanted, after, mine));
  const stillThere = takeBackOps(appeared.services, after);
  if (stillThere.length > 0) left.push(`${stillThere.length} destination(s) this apply added to a service made meanwhile are still there`);
  if (left.length > 0) throw new Error(`after undoing, the table still differs: ${left.join('; ')}`);
  return `${undo.length === 0 ? 'no IPVS operation had taken effect' : `undid ${undo.length} IPVS operation(s)`}${spokenAppeared(appeared, takenBack.length)}`;
}

/**
 * Of ipvsadm's candidates, those the kernel holds otherwise than the batch wrote them (other
 * settings, or a destination the batch did not add) are someone else's. When they are as many
 * as the add-services ipvsadm refused, every other candidate is the apply's own, and no longer
 * spared: the rollback deletes it. Fewer: one of the others is theirs too, and which is not
 * known: all stay.
 */
function attributed(found: Appeared, current: readonly IpvsService[]): Appeared {
  const byName = new Map(current.map((s) => [serviceKeyString(s.service.key), s]));
  const theirs = found.services.filter((a) => {
    const held = byName.get(serviceKeyString(a.key));
    if (!held || !a.written) return false;
    const wrote = new Set(a.written.destinations.map(destinationKeyString));
    return !serviceSettingsEqual(held.service, a.written.service) || held.destinations.some((d) => !wrote.has(destinationKeyString(d)));
  });
  if (theirs.length < (found.servicesRefused ?? Number.POSITIVE_INFINITY)) return found;
  return { ...found, services: theirs, unnamed: false, ownFound: found.services.length - theirs.length };
}

/** What the rollback left alone, and why, for its message. */
function spokenAppeared(appeared: Appeared, takenBack: number): string {
  const services = appeared.services.map((a) => serviceKeyString(a.key)).join(', ');
  const destinations = appeared.destinations.map((d) => `${serviceKeyString(d.key)} -> ${destinationKeyString(d.destination)}`).join(', ');
  const taken = takenBack > 0 ? `, and took back the ${takenBack} destination(s) this apply had added to ${appeared.services.length === 1 ? 'it' : 'them'}` : '';
  if (appeared.ownFound !== undefined) {
    // ipvsadm's refusals told apart by what the kernel holds
    return `; left ${services} alone: held otherwise than this apply wrote ${appeared.services.length === 1 ? 'it' : 'them'}, so made by someone else after the plan was read ` +
      `(ipvsadm refused ${appeared.services.length === 1 ? 'an add-service' : 'add-services'} as existing)${taken}` +
      (appeared.ownFound > 0 ? `; the ${appeared.ownFound} other service(s) this apply had added were its own (as it wrote them) and are deleted` : '') +
      (destinations ? `; left ${destinations} alone: ipvsadm refused an add-destination as existing without naming it` : '');
  }
  if (appeared.unnamed) {
    // ipvsadm said something existed already, not what: nothing is deleted on a guess
    return (services ? `; left ${services} alone: ipvsadm refused an add-service as existing without naming it, so lvsctl cannot tell which of these someone else made meanwhile ` +
      `(those it made stay, not owned: the next rollout adopts the planned ones; lvsctl status shows them)${taken}` : '') +
      (destinations ? `; left ${destinations} alone: ipvsadm refused an add-destination as existing without naming it` : '');
  }
  return (services ? `; left ${services} alone: made in the kernel by someone else after the plan was read (the apply's add-service was refused as existing)${taken}` : '') +
    (destinations ? `; left ${destinations} alone: added in the kernel by someone else after the plan was read (the apply's add-destination was refused as existing)` : '');
}

/** The snapshot's services with the destinations that appeared meanwhile added, as `current` holds them. */
function withDestinationsAsFound(services: IpvsService[], appeared: readonly AppearedDestination[], current: readonly IpvsService[]): IpvsService[] {
  if (appeared.length === 0) return services;
  const found = new Map(current.map((s) => [serviceKeyString(s.service.key), s]));
  const appearedIds = new Set(appeared.map((a) => `${serviceKeyString(a.key)} -> ${destinationKeyString(a.destination)}`));
  return services.map((s) => {
    const name = serviceKeyString(s.service.key);
    const now = found.get(name);
    if (!now) return s;
    const have = new Set(s.destinations.map(destinationKeyString));
    const extra = now.destinations.filter((d) => !have.has(destinationKeyString(d)) && appearedIds.has(`${name} -> ${destinationKeyString(d)}`));
    return extra.length === 0 ? s : { ...s, destinations: [...s.destinations, ...extra] };
  });
}

/** Deletes of the destinations the batch added to services that appeared meanwhile, those still in `table`. */
function takeBackOps(appeared: readonly AppearedService[], table: readonly IpvsService[]): IpvsOperation[] {
  if (appeared.length === 0) return [];
  const byName = new Map(table.map((s) => [serviceKeyString(s.service.key), s]));
  const ops: IpvsOperation[] = [];
  for (const a of appeared) {
    const service = byName.get(serviceKeyString(a.key));
    if (!service) continue;
    const present = new Set(service.destinations.map(destinationKeyString));
    for (const d of a.added) if (present.has(destinationKeyString(d))) ops.push({ op: 'delete-destination', key: a.key, destination: d });
  }
  return ops;
}

async function restoreMarks(marks: Marks, snapshot: MarkState): Promise<string> {
  await marks.restoreChain(snapshot);
  const after = await marks.read();
  const wantedJumps = snapshot.chainExists ? snapshot.jumpCount : 0;
  const back =
    after.chainExists === snapshot.chainExists &&
    after.jumpCount === wantedJumps &&
    after.chain.length === snapshot.chain.length &&
    after.chain.every((line, i) => line === snapshot.chain[i]);
  if (!back) throw new Error('after restoring, the owned chain still differs from the snapshot');
  return snapshot.chainExists ? `put back the previous mark chain (${snapshot.chain.length} rule(s))` : 'removed the new mark chain';
}
