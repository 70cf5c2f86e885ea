// Undoing a failed apply: the IPVS batch may have stopped half-way (ipvsadm -R keeps the lines
// before the failing one), so the undo is computed, not assumed: reconcile the snapshot against
// what the kernel holds now, for the services the apply touched (weights of drains begun come
// back with it), and put the old chain back exactly, hand-edited lines and jumps included. The
// drain list needs no undo: it is written only after a successful apply.
import { errorMessage } from '../../lvs/errors';
import type { Ipvs } from '../kernel/ipvs';
import type { Marks } from '../kernel/marks';
import type { MarkState } from '../../lvs/mark-state';
import { serviceKeyString, type IpvsService, type ServiceKey } from '../../lvs/model';
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
      done.push(await restoreIpvs(kernel.ipvs, snapshot.ipvs, scope.services));
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

async function restoreIpvs(ipvs: Ipvs, snapshot: IpvsService[], touched: ServiceKey[]): Promise<string> {
  const touchedNames = new Set(touched.map(serviceKeyString));
  const wanted = snapshot.filter((s) => touchedNames.has(serviceKeyString(s.service.key)));
  const current = (await ipvs.read()).services;
  const { ops } = await runSliced(reconcileIpvsSteps(wanted, current, ownedSetOf(touched)));
  if (ops.length > 0) await ipvs.applyBatch(ops);
  const after = (await ipvs.read()).services;
  const left = await runSliced(tableDifferenceSteps(snapshot, after, touched));
  if (left.length > 0) throw new Error(`after undoing, the table still differs: ${left.join('; ')}`);
  return ops.length === 0 ? 'no IPVS operation had taken effect' : `undid ${ops.length} IPVS operation(s)`;
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
