// What a director apply tells the operator: notices about what it leaves alone or found
// changed behind its back, the --diff text, one step per change, and the drain sweep.
import type { ApplyEvent, ApplyMode } from '../../lvs/apply-events';
import { MARK_CHAIN } from '../../lvs/formats/iptables-format';
import { serviceKeyString } from '../../lvs/model';
import { describeOperation, ipvsDiffSteps, marksDiff } from './diff-text';
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

/** One step per change; 200,000 of them are emitted in slices (see lvs/yield-point.ts). */
export async function emitSteps(planned: Planned, emit: Emit, status: 'changed' | 'skipped', prefix: string, drainTimeoutMs: number, suffix = ''): Promise<void> {
  const slicer = new Slicer();
  for (const op of planned.ops) {
    if (slicer.due) await slicer.pause();
    if (planned.drains.drainEdits.has(op)) continue;
    const text = describeOperation(op);
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

/** The sweep at the start of an apply: a step per destination it deleted, a notice if it failed. */
export function reportSweep(report: SweepReport, emit: Emit): void {
  for (const r of report.removed) {
    emit({ kind: 'step', action: 'delete-destination', target: r.target, status: 'changed', message: `delete drained realserver: ${r.why}` });
  }
  if (report.failure !== undefined) emit({ kind: 'notice', message: `${report.failure}; tried again at the next sweep` });
}
