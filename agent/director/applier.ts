// The director's HostApplier: preconditions → read the kernel once → reconcile (pure) →
// report → in apply mode: one IPVS batch, one mark-chain swap, read back, and on any failure
// or mismatch restore the snapshot. Ownership is recorded only after a successful apply.
import type winston from 'winston';
import type { ApplyEvent, ApplyMode, HostApplier, ResultEvent } from '../apply-events';
import type { DirectorPlan, HostPlan } from '../host-plan';
import { createExec } from '../kernel/exec';
import type { Ipvs } from '../kernel/ipvs';
import { LinuxIpvs } from '../kernel/linux/ipvs';
import { LinuxMarks, type IptablesChoice } from '../kernel/linux/marks';
import { createLinuxPreconditions, type DirectorPreconditions } from '../kernel/linux/preconditions';
import type { Marks, MarkState } from '../kernel/marks';
import { isIpv6, serviceKeyString, type IpvsService, type ServiceKey } from '../kernel/model';
import { readOwnership, writeOwnership, type DirectorOwnership } from '../state/ownership';
import { describeOperation, ipvsDiff, marksDiff } from './diff-text';
import { applyIpvsOperations, tableDifferences } from './ipvs-table';
import type { IpvsOperation } from './operations';
import { ownedSetOf, reconcileIpvs, reconcileMarks, type MarkReconciliation } from './reconcile';
import { restoreSnapshot, type Snapshot } from './rollback';

export interface DirectorKernel {
  ipvs: Ipvs;
  marks: Marks;
  /** absent: no checks (tests with fakes) */
  preconditions?: DirectorPreconditions;
}

export interface DirectorApplierOptions {
  stateDir: string;
  iptables: IptablesChoice;
  logger: winston.Logger;
  /** absent: the real kernel through ipvsadm and iptables */
  kernel?: DirectorKernel;
}

type Emit = (event: ApplyEvent) => void;

interface Planned {
  plan: DirectorPlan;
  desired: IpvsService[];
  ownership: DirectorOwnership;
  snapshot: Snapshot;
  ops: IpvsOperation[];
  marks: MarkReconciliation;
  /** the IPVS table once ops are applied */
  projected: IpvsService[];
  unmanaged: ServiceKey[];
  adopted: ServiceKey[];
}

export function createDirectorApplier(options: DirectorApplierOptions): HostApplier {
  const kernel = options.kernel ?? linuxKernel(options.iptables);
  // Applies on one agent are serialized: two overlapping batches would each snapshot the other's half.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    apply(plan, mode, emit) {
      const run = queue.then(() => applyOnce(kernel, options, plan, mode, emit));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

function linuxKernel(iptables: IptablesChoice): DirectorKernel {
  const exec = createExec();
  return { ipvs: new LinuxIpvs(exec), marks: new LinuxMarks(exec, iptables), preconditions: createLinuxPreconditions({ exec, iptables }) };
}

async function applyOnce(kernel: DirectorKernel, options: DirectorApplierOptions, hostPlan: HostPlan, mode: ApplyMode, emit: Emit): Promise<ResultEvent> {
  const finish = (result: ResultEvent): ResultEvent => {
    emit(result);
    options.logger.log(result.outcome === 'failed' ? 'error' : 'info', 'director apply finished', { mode, ...result });
    return result;
  };
  const failed = (message: string, extra: Partial<ResultEvent> = {}): ResultEvent =>
    finish({ kind: 'result', outcome: 'failed', changed: 0, message, ...extra });

  if (hostPlan.role !== 'director') {
    return failed(`this agent is a director; it was sent a ${hostPlan.role} plan for host ${hostPlan.host}: start the agent on that host with --role realserver`);
  }
  if (kernel.preconditions) {
    const problems = await kernel.preconditions.check().catch((error: unknown) => [
      { subject: 'preconditions', message: `could not check: ${(error as Error).message}`, fix: 'see the agent log' },
    ]);
    if (problems.length > 0) {
      for (const p of problems) emit({ kind: 'step', action: 'precondition', target: p.subject, status: 'failed', message: p.message, fix: p.fix });
      return failed(problems.map((p) => `${p.message} (fix: ${p.fix})`).join('; '), { failedPrecondition: true });
    }
  }

  let planned: Planned;
  try {
    planned = await planChanges(kernel, options.stateDir, hostPlan);
  } catch (error) {
    return failed((error as Error).message);
  }
  reportPlan(planned, mode, emit);
  const changed = planned.ops.length + (planned.marks.action === 'none' ? 0 : 1);

  if (mode === 'check') {
    emitSteps(planned, emit, 'changed', 'would ');
    return finish({ kind: 'result', outcome: changed ? 'changed' : 'ok', changed, message: changed ? `${changed} change(s) would be made` : 'already as planned' });
  }
  return finish(await applyPlanned(kernel, options, planned, changed, emit));
}

async function planChanges(kernel: DirectorKernel, stateDir: string, plan: DirectorPlan): Promise<Planned> {
  refuseIpv6MarkRules(plan);
  const ownership = await readOwnership(stateDir);
  let snapshot: Snapshot;
  try {
    const [ipvs, marks] = await Promise.all([kernel.ipvs.read(), kernel.marks.read()]);
    snapshot = { ipvs, marks };
  } catch (error) {
    throw new Error(`cannot read the kernel state, nothing was changed: ${(error as Error).message}`);
  }
  const desired = plan.services.map((s) => ({ service: s.service, destinations: s.realservers.map((r) => r.destination) }));
  const ipvs = reconcileIpvs(desired, snapshot.ipvs, ownedSetOf(ownership.services));
  const marks = reconcileMarks(plan.marks, snapshot.marks);
  const projected = applyIpvsOperations(snapshot.ipvs, ipvs.ops);
  return { plan, desired, ownership, snapshot, ops: ipvs.ops, marks, projected, unmanaged: ipvs.unmanaged, adopted: ipvs.adopted };
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

function reportPlan(planned: Planned, mode: ApplyMode, emit: Emit): void {
  for (const key of planned.unmanaged) {
    emit({ kind: 'notice', message: `unmanaged service ${serviceKeyString(key)}: not in the plan and not created by lvsctl; left alone` });
  }
  for (const key of planned.adopted) {
    const verb = mode === 'check' ? 'would adopt' : 'adopting';
    emit({ kind: 'notice', message: `${verb} service ${serviceKeyString(key)}: it already exists and is in the plan, so lvsctl manages it from then on` });
  }
  for (const rule of planned.snapshot.marks.foreign) {
    emit({ kind: 'notice', message: `foreign mark rule outside the lvsctl chain, left alone: mark ${rule.mark} -p ${rule.protocol} -d ${rule.destination} --dports ${rule.ports.join(',')}` });
  }
  for (const line of planned.snapshot.marks.foreignUnparsed) {
    emit({ kind: 'notice', message: `foreign mark rule outside the lvsctl chain, left alone: ${line}` });
  }
  for (const line of planned.snapshot.marks.unparsed) {
    emit({ kind: 'notice', message: `rule in the lvsctl chain that lvsctl did not write, replaced by the planned rules: ${line}` });
  }
  emit(ipvsDiff(planned.snapshot.ipvs, planned.projected));
  const marksAfter = planned.marks.action === 'none' ? planned.snapshot.marks.owned : planned.plan.marks;
  emit(marksDiff(planned.snapshot.marks.owned, marksAfter));
}

function emitSteps(planned: Planned, emit: Emit, status: 'changed' | 'skipped', prefix: string, suffix = ''): void {
  for (const op of planned.ops) {
    const text = describeOperation(op);
    emit({ kind: 'step', action: text.action, target: text.target, status, message: `${prefix}${text.message}${suffix}` });
  }
  if (planned.marks.action !== 'none') {
    const what = `${planned.marks.action} the owned chain: ${planned.marks.reason}`;
    emit({ kind: 'step', action: 'mark-chain', target: 'mangle LVSCTL-MARK', status, message: `${prefix}${what}${suffix}` });
  }
}

async function applyPlanned(kernel: DirectorKernel, options: DirectorApplierOptions, planned: Planned, changed: number, emit: Emit): Promise<ResultEvent> {
  const { plan, desired, ops, marks } = planned;
  const touched = touchedServices(ops);
  let marksAttempted = false;
  try {
    if (ops.length > 0) await kernel.ipvs.applyBatch(ops);
    if (marks.action !== 'none') {
      marksAttempted = true;
      if (marks.action === 'replace') await kernel.marks.replaceOwnedChain(plan.marks);
      else await kernel.marks.removeOwnedChain();
    }
    if (changed > 0) await verifyReadBack(kernel, planned, touched);
    await writeOwnership(options.stateDir, {
      services: desired.map((s) => s.service.key),
      markRules: plan.marks,
      generation: plan.generation,
    });
  } catch (error) {
    const failure = (error as Error).message;
    options.logger.warn('director apply failed; restoring the snapshot', { failure });
    const restore = await restoreSnapshot(kernel, planned.snapshot, { services: touched, marks: marksAttempted });
    emitSteps(planned, emit, 'skipped', '', ' (not kept: rolled back)');
    emit({ kind: 'step', action: 'apply', target: plan.host, status: 'failed', message: failure });
    return {
      kind: 'result',
      outcome: 'failed',
      changed: 0,
      message: `apply failed: ${failure}; ${restore.ok ? 'rolled back' : 'ROLLBACK FAILED'}: ${restore.message}`,
      rollback: restore.message,
    };
  }
  emitSteps(planned, emit, 'changed', '');
  return { kind: 'result', outcome: changed ? 'changed' : 'ok', changed, message: changed ? `${changed} change(s) applied` : 'already as planned' };
}

function touchedServices(ops: IpvsOperation[]): ServiceKey[] {
  const byName = new Map<string, ServiceKey>();
  for (const op of ops) {
    const key = 'service' in op ? op.service.key : op.key;
    byName.set(serviceKeyString(key), key);
  }
  return [...byName.values()];
}

/** The kernel must now hold what was planned for every service the apply touched, and the planned chain. */
async function verifyReadBack(kernel: DirectorKernel, planned: Planned, touched: ServiceKey[]): Promise<void> {
  const [ipvs, marks] = await Promise.all([kernel.ipvs.read(), kernel.marks.read()]);
  const problems = tableDifferences(planned.projected, ipvs, touched);
  if (reconcileMarks(planned.plan.marks, marks).action !== 'none') problems.push(`mark chain: ${describeMarks(marks)}`);
  if (problems.length > 0) throw new Error(`read-back differs from the plan: ${problems.join('; ')}`);
}

function describeMarks(marks: MarkState): string {
  if (!marks.chainExists) return 'the owned chain is missing';
  if (!marks.jumpPresent) return 'the jump from PREROUTING is missing';
  return `found ${marks.owned.length} rule(s) not matching the plan`;
}
