// Undoing a failed apply: the IPVS batch may have stopped half-way (ipvsadm -R keeps the lines
// before the failing one), so the undo is computed, not assumed: reconcile the snapshot against
// what the kernel holds now, for the services the apply touched (weights of drains begun come
// back with it), and put the old chain back exactly, hand-edited lines and jumps included. The
// drain list needs no undo: it is written only after a successful apply.
import { errorMessage } from '../../lvs/errors';
import type { Ipvs } from '../kernel/ipvs';
import type { Marks } from '../kernel/marks';
import type { MarkState } from '../../lvs/mark-state';
import { destinationKeyString, serviceKeyString, type Destination, type IpvsService, type ServiceKey } from '../../lvs/model';
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

/** A service the batch meant to add and found in the kernel already: someone else's, made after the plan's read. */
export interface AppearedService {
  key: ServiceKey;
  /** the destinations the batch added to it all the same (its add-destination operations that took effect) */
  added: Destination[];
}

export interface RestoreScope {
  /** every service an operation of the failed apply was about */
  services: ServiceKey[];
  /**
   * Services whose add-service the kernel refused as existing (the netlink backend says which):
   * left alone but for the destinations the batch added to them, which are taken back.
   */
  appeared?: AppearedService[];
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
      done.push(await restoreIpvs(kernel.ipvs, snapshot.ipvs, scope.services, scope.appeared ?? []));
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

async function restoreIpvs(ipvs: Ipvs, snapshot: IpvsService[], touched: ServiceKey[], appeared: readonly AppearedService[]): Promise<string> {
  // a service that appeared meanwhile is not this apply's to delete: only what it added to it goes
  const spared = new Set(appeared.map((a) => serviceKeyString(a.key)));
  const mine = spared.size === 0 ? touched : touched.filter((key) => !spared.has(serviceKeyString(key)));
  const touchedNames = new Set(mine.map(serviceKeyString));
  const wanted = snapshot.filter((s) => touchedNames.has(serviceKeyString(s.service.key)));
  const current = (await ipvs.read()).services;
  const { ops } = await runSliced(reconcileIpvsSteps(wanted, current, ownedSetOf(mine)));
  const takenBack = takeBackOps(appeared, current);
  const undo = [...ops, ...takenBack];
  if (undo.length > 0) await ipvs.applyBatch(undo);
  const after = (await ipvs.read()).services;
  const left = await runSliced(tableDifferenceSteps(snapshot, after, mine));
  const stillThere = takeBackOps(appeared, after);
  if (stillThere.length > 0) left.push(`${stillThere.length} destination(s) this apply added to a service made meanwhile are still there`);
  if (left.length > 0) throw new Error(`after undoing, the table still differs: ${left.join('; ')}`);
  const spoken = appeared.length === 0 ? '' : `; left ${appeared.map((a) => serviceKeyString(a.key)).join(', ')} alone: made in the kernel by someone else after the plan was read (the apply's add-service was refused as existing)` +
    (takenBack.length > 0 ? `, and took back the ${takenBack.length} destination(s) this apply had added to ${appeared.length === 1 ? 'it' : 'them'}` : '');
  return `${undo.length === 0 ? 'no IPVS operation had taken effect' : `undid ${undo.length} IPVS operation(s)`}${spoken}`;
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
