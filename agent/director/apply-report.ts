// What a director apply tells the operator: notices about what it leaves alone or found
// changed behind its back, the --diff text, one step per change (a service added with its
// realservers: one step), and the drain sweep.
import type { ApplyEvent, ApplyMode } from '../../lvs/apply-events';
import { MARK_CHAIN } from '../../lvs/formats/iptables-format';
import { serviceKeyString, type Destination } from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';
import { describeNewService, describeOperation, ipvsDiffSteps, marksDiff, type OperationText } from './diff-text';
import { drainTarget } from './drain';
import type { SweepReport } from './drain-sweeper';
import type { Planned } from './plan-changes';
import { chainLabel, rulesOfFamily } from './mark-families';
import { runSliced, Slicer } from '../../lvs/yield-point';

type Emit = (event: ApplyEvent) => void;

/** Changes the plan makes (or would make): a drain begun counts, its weight-0 edit is part of it. */
export function changeCount(planned: Planned): number {
  const { drainEdits, started, rezeroed } = planned.drains;
  return planned.ops.length - drainEdits.size + started.length + rezeroed.length + (planned.marks.action === 'none' ? 0 : 1) +
    (planned.marks6 === undefined || planned.marks6.action === 'none' ? 0 : 1);
}

/** `omitDiff`: the controller shows no --diff text (its request said so): none is rendered or sent. */
export async function reportPlan(planned: Planned, mode: ApplyMode, emit: Emit, drainTimeoutMs: number, omitDiff = false): Promise<void> {
  for (const key of planned.unmanaged) {
    emit({ kind: 'notice', message: `unmanaged service ${serviceKeyString(key)}: not in the plan and not created by lvsctl; left alone` });
  }
  for (const f of planned.foreign) {
    emit({ kind: 'notice', message: `unmanaged service ${f.name} that lvsctl cannot read (${f.reason}); left alone` });
  }
  for (const key of planned.adopted) {
    const verb = mode === 'check' ? 'would adopt' : 'adopting';
    emit({ kind: 'notice', message: `${verb} service ${serviceKeyString(key)}: it already exists and is in the plan, so lvsctl manages it from then on` });
  }
  const families = [
    { family: 'inet' as const, state: planned.snapshot.marks, action: planned.marks.action, drift: planned.markDrift },
    ...(planned.snapshot.marks6 && planned.marks6 ? [{ family: 'inet6' as const, state: planned.snapshot.marks6, action: planned.marks6.action, drift: planned.markDrift6 }] : []),
  ];
  for (const { family, state, action, drift } of families) {
    const outside = `foreign mark rule outside the lvsctl chain${family === 'inet6' ? ' (ip6tables)' : ''}, left alone`;
    for (const rule of state.foreign) {
      emit({ kind: 'notice', message: `${outside}: mark ${rule.mark} -p ${rule.protocol} -d ${rule.destination} --dports ${rule.ports.join(',')}` });
    }
    for (const line of state.foreignUnparsed) emit({ kind: 'notice', message: `${outside}: ${line}` });
    const fate = { replace: 'replaced by the planned rules', remove: 'removed with the chain', none: 'left as is' }[action];
    for (const finding of drift) {
      emit({ kind: 'notice', message: `drift in ${chainLabel(MARK_CHAIN, family)}: ${finding}; ${mode === 'check' ? `would be ${fate}` : fate}` });
    }
  }
  for (const entry of planned.drains.waiting) {
    const until = new Date(entry.since + drainTimeoutMs).toISOString();
    emit({ kind: 'notice', message: `draining ${drainTarget(entry)} (weight 0 since ${new Date(entry.since).toISOString()}): deleted once its connections end, at the latest at ${until}` });
  }
  for (const entry of planned.drains.returned) {
    const verb = mode === 'check' ? 'would take' : 'taking';
    emit({ kind: 'notice', message: `${drainTarget(entry)} is back in the plan while draining: ${verb} it off the drain list, its planned weight comes back` });
  }
  if (omitDiff) return;
  // The text of two 200,000-destination tables is rendered in slices, the agent answering RPCs between them.
  emit(await runSliced(ipvsDiffSteps(planned.snapshot.ipvs, planned.projected)));
  const before6 = planned.snapshot.marks6?.owned ?? [];
  const after4 = planned.marks.action === 'none' ? planned.snapshot.marks.owned : rulesOfFamily(planned.plan.marks, 'inet');
  const after6 = planned.marks6 === undefined || planned.marks6.action === 'none' ? before6 : rulesOfFamily(planned.plan.marks, 'inet6');
  emit(marksDiff([...planned.snapshot.marks.owned, ...before6], [...after4, ...after6]));
}

/**
 * The most realservers one add-service step names: a service planned with more has the rest
 * as add-destination steps of their own (a step stays a readable line and a small message).
 */
export const REALSERVERS_PER_SERVICE_STEP = 256;

/**
 * One step per change, except that a service added with its realservers is one step naming
 * them all (describeNewService); 200,000 changes are emitted in slices (see lvs/yield-point.ts).
 */
export async function emitSteps(planned: Planned, emit: Emit, status: 'changed' | 'skipped', prefix: string, drainTimeoutMs: number, suffix = ''): Promise<void> {
  const slicer = new Slicer();
  const { ops } = planned;
  for (let i = 0; i < ops.length;) {
    if (slicer.due) await slicer.pause();
    const op = ops[i];
    if (planned.drains.drainEdits.has(op)) {
      i += 1;
      continue;
    }
    let text: OperationText;
    if (op.op === 'add-service') {
      const end = newServiceRunEnd(ops, i);
      const destinations: Destination[] = [];
      for (let d = i + 1; d < end; d++) destinations.push((ops[d] as AddDestination).destination);
      text = describeNewService(op.service, destinations);
      i = end;
    } else {
      text = describeOperation(op);
      i += 1;
    }
    emit({ kind: 'step', action: text.action, target: text.target, status, message: `${prefix}${text.message}${suffix}` });
  }
  for (const entry of planned.drains.started) {
    const what = `drain realserver no longer in the plan: weight 0 now, deleted once its connections end or after ${Math.round(drainTimeoutMs / 1000)} s`;
    emit({ kind: 'step', action: 'drain-destination', target: drainTarget(entry), status, message: `${prefix}${what}${suffix}` });
  }
  for (const entry of planned.drains.rezeroed) {
    const what = 'set the weight of a draining realserver back to 0 (someone had raised it)';
    emit({ kind: 'step', action: 'drain-destination', target: drainTarget(entry), status, message: `${prefix}${what}${suffix}` });
  }
  const chains = [{ family: 'inet' as const, marks: planned.marks }, ...(planned.marks6 ? [{ family: 'inet6' as const, marks: planned.marks6 }] : [])];
  for (const { family, marks } of chains) {
    if (marks.action === 'none') continue;
    const what = `${marks.action} the owned chain: ${marks.reason}`;
    emit({ kind: 'step', action: 'mark-chain', target: `mangle ${chainLabel(MARK_CHAIN, family)}`, status, message: `${prefix}${what}${suffix}` });
  }
}

type AddDestination = Extract<IpvsOperation, { op: 'add-destination' }>;

/**
 * Where the run of add-destination operations right after the add-service at `at` ends (at most
 * REALSERVERS_PER_SERVICE_STEP of them): those the diff made for that very service, which names
 * it with the same key object (reconcile.ts), so nothing is compared by name.
 */
function newServiceRunEnd(ops: readonly IpvsOperation[], at: number): number {
  const { key } = (ops[at] as Extract<IpvsOperation, { op: 'add-service' }>).service;
  let end = at + 1;
  while (end < ops.length && end - at <= REALSERVERS_PER_SERVICE_STEP) {
    const next = ops[end];
    if (next.op !== 'add-destination' || next.key !== key) break;
    end += 1;
  }
  return end;
}

/** The sweep at the start of an apply: a step per destination it deleted, a notice if it failed. */
export function reportSweep(report: SweepReport, emit: Emit): void {
  for (const r of report.removed) {
    emit({ kind: 'step', action: 'delete-destination', target: r.target, status: 'changed', message: `delete drained realserver: ${r.why}` });
  }
  if (report.failure !== undefined) emit({ kind: 'notice', message: `${report.failure}; tried again at the next sweep` });
}
