// The director's HostApplier: preconditions → finish the drains that are done → read the
// kernel once → reconcile (pure) → report → in apply mode: one IPVS batch, one mark-chain
// swap, read back, and on any failure or mismatch restore the snapshot. Ownership (with the
// drain list) is recorded after a successful apply; before the batch, the planned services
// are claimed (ownership-claim.ts) so an agent killed mid-batch still knows them as its own.
import { errorMessage } from '../../lvs/errors';
import type winston from 'winston';
import type { ApplyEvent, ApplyMode, HostApplier, ResultEvent } from '../../lvs/apply-events';
import type { DirectorPlan, DirectorService, HostPlan } from '../../lvs/host-plan';
import type { Ipvs } from '../kernel/ipvs';
import type { IpvsWriter } from '../kernel/ipvs-writer';
import type { DirectorPreconditions } from '../kernel/preconditions';
import type { Marks } from '../kernel/marks';
import type { MarkState } from '../../lvs/mark-state';
import type { ReadAccount } from '../../lvs/ipvs-reading';
import { serviceKeyString, type Destination, type IpvsService, type MarkRule, type ServiceKey } from '../../lvs/model';
import { rulesOfFamily } from './mark-families';
import { sameOwnedApartFromGeneration, writeOwnership } from '../state/ownership';
import { changeCount, emitSteps, reportPlan, reportSweep } from './apply-report';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './drain';
import { sweepDrains } from './drain-sweeper';
import { tableDifferenceSteps } from './ipvs-table';
import type { IpvsOperation } from '../../lvs/operations';
import { DiffMemo, planChanges, type Planned } from './plan-changes';
import { reconcileMarks, type KnownEqual } from './reconcile';
import { restoreSnapshot } from './rollback';
import { appearedMeanwhile } from './appeared';
import { runSliced, type Pausable } from '../../lvs/yield-point';
import { claimPlannedServices, NO_CLAIM, type OwnershipClaim } from './ownership-claim';
import type { Keepalived } from '../kernel/keepalived';
import { prepareVrrp, type VrrpChange } from './vrrp-step';
import type { NetworkInterface } from '../kernel/addresses';
import { natPathNoticesOf, planHasNat, planHasNat6 } from './nat-path';
import type { NatPathSource } from './nat-path-ahead';
import { ApplyPhases } from './apply-phases';

/** The kernel as the applier is handed it, built once by the agent's composition root. */
export interface DirectorKernel {
  /** the one owner of writes to the IPVS table: a whole apply runs as one exclusive task */
  ipvs: IpvsWriter;
  marks: Marks;
  /** the IPv6 mangle table (ip6tables); absent: IPv6 mark rules are refused (tests with fakes) */
  marks6?: Marks;
  /** absent: no checks (tests with fakes) */
  preconditions?: DirectorPreconditions;
  /** keepalived, for a director in a group; absent: a plan with VRRP fails with the fix */
  keepalived?: Keepalived;
  /** what decides whether LVS-NAT answers get back (nat-path.ts), read ahead or at the apply; absent: not checked (tests with fakes) */
  natPath?: NatPathSource;
  /** the director's network devices, to check a group's interfaces exist before keepalived is told them; absent: not checked */
  interfaces?: () => Promise<NetworkInterface[]>;
}

/** The kernel inside one exclusive apply: the table itself, no longer its writer. */
interface HeldKernel {
  ipvs: Ipvs;
  marks: Marks;
  marks6?: Marks;
  preconditions?: DirectorPreconditions;
  keepalived?: Keepalived;
  natPath?: NatPathSource;
  interfaces?: () => Promise<NetworkInterface[]>;
}

/**
 * The weight a planned destination must get so an apply never raises one health knows to be
 * down (the health monitor's wantedWeight); absent: the plan's weight.
 */
export type HealthWeights = (service: DirectorService, destination: Destination) => number;

export interface DirectorApplierOptions {
  stateDir: string;
  logger: winston.Logger;
  kernel: DirectorKernel;
  healthWeights?: HealthWeights;
  /** true while healthWeights gives every destination its plan weight (none down): an apply then asks it nothing */
  healthHoldsNone?: () => boolean;
  /**
   * How long a destination the plan dropped may drain (weight 0, its connections finishing)
   * before it is deleted anyway; default DEFAULT_DRAIN_TIMEOUT_MS (300 s).
   */
  drainTimeoutMs?: number;
  /** the clock drains are timed with, ms since the epoch; default Date.now */
  now?: () => number;
}

type Emit = (event: ApplyEvent) => void;

interface Settings {
  now: () => number;
  drainTimeoutMs: number;
  /** the mangle table was read since the agent started (see plan-changes.ts) */
  marksReadSinceStart: boolean;
  /** what one apply's diff leaves to the next (plan-changes.ts) */
  diffMemo: DiffMemo;
  /** the LVS-NAT path was checked since the agent started (checkNatPath) */
  natPathChecked: boolean;
}

export function createDirectorApplier(options: DirectorApplierOptions): HostApplier {
  const { kernel } = options;
  const settings: Settings = { now: options.now ?? Date.now, drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS, marksReadSinceStart: false, diffMemo: new DiffMemo(), natPathChecked: false };
  return {
    // The whole apply is one write: no sweep or health weight change lands between its
    // snapshot, batch, read-back and rollback.
    apply: (plan, mode, emit, received) => {
      const phases = new ApplyPhases();
      return kernel.ipvs.exclusive((table) => {
        // the wait for the table's one writer: a check ahead still reading it, a health weight, a drain sweep
        phases.lap('tableWait');
        return applyOnce({
          ipvs: table, marks: kernel.marks,
          ...(kernel.marks6 ? { marks6: kernel.marks6 } : {}),
          ...(kernel.preconditions ? { preconditions: kernel.preconditions } : {}),
          ...(kernel.keepalived ? { keepalived: kernel.keepalived } : {}),
          ...(kernel.natPath ? { natPath: kernel.natPath } : {}),
          ...(kernel.interfaces ? { interfaces: kernel.interfaces } : {}),
        }, options, settings, plan, mode, emit, received?.omitDiff === true, phases);
      });
    },
  };
}

async function applyOnce(
  kernel: HeldKernel,
  options: DirectorApplierOptions,
  settings: Settings,
  hostPlan: HostPlan,
  mode: ApplyMode,
  emit: Emit,
  omitDiff: boolean,
  phases: ApplyPhases,
): Promise<ResultEvent> {
  const finish = (result: ResultEvent): ResultEvent => {
    // an apply that did not take its LVS-NAT reading (ended early, or a no-op) leaves none for a later one
    kernel.natPath?.discard();
    emit(result);
    options.logger.log(result.outcome === 'failed' ? 'error' : 'info', 'director apply finished', { mode, ...result, phasesMs: phases.ms, cpuMs: phases.cpuMs(), pageFaults: phases.pageFaults, ipvsReads: phases.ipvsReads });
    return result;
  };
  const failed = (message: string, extra: Partial<ResultEvent> = {}): ResultEvent =>
    finish({ kind: 'result', outcome: 'failed', changed: 0, message, ...extra });

  if (hostPlan.role !== 'director') {
    return failed(`this agent is a director; it was sent a ${hostPlan.role} plan for host ${hostPlan.host}: start the agent on that host with --role realserver`);
  }
  if (kernel.preconditions) {
    const problems = await kernel.preconditions.check().catch((error: unknown) => [
      { subject: 'preconditions', message: `could not check: ${errorMessage(error)}`, fix: 'see the agent log' },
    ]);
    if (problems.length > 0) {
      for (const p of problems) emit({ kind: 'step', action: 'precondition', target: p.subject, status: 'failed', message: p.message, fix: p.fix });
      return failed(problems.map((p) => `${p.message} (fix: ${p.fix})`).join('; '), { failedPrecondition: true });
    }
  }
  phases.lap('preconditions');

  let vrrp: VrrpChange | undefined;
  if (hostPlan.vrrp) {
    const prepared = kernel.keepalived
      // not the subject "keepalived" of a keepalived missing or stopped, which lets the rollout go
      // on to the group's next director (it holds no VRRP role): this one may be serving
      ? await prepareVrrp(kernel.keepalived, hostPlan.vrrp, mode, kernel.interfaces).catch((error: unknown) => ({
        ok: false as const, problems: [{ subject: 'keepalived check', message: `could not check keepalived: ${errorMessage(error)}`, fix: 'see the agent log' }],
      }))
      : { ok: false as const, problems: [{ subject: 'keepalived check', message: `this director is in group "${hostPlan.vrrp.group}" but the agent has no keepalived door`, fix: 'run a lvsctl-agent that drives keepalived' }] };
    if (!prepared.ok) {
      for (const p of prepared.problems) emit({ kind: 'step', action: 'precondition', target: p.subject, status: 'failed', message: p.message, fix: p.fix });
      return failed(prepared.problems.map((p) => `${p.message} (fix: ${p.fix})`).join('; '), { failedPrecondition: true });
    }
    vrrp = prepared.change;
    if (vrrp.advertNotice !== undefined) {
      emit({ kind: 'notice', message: vrrp.advertNotice });
      options.logger.warn('the group\'s VRRP adverts change', { notice: vrrp.advertNotice });
    }
    phases.lap('keepalived');
  }

  const swept = mode === 'apply' ? await sweepFirst(kernel, options, settings, emit) : 0;
  phases.lap('drainSweep');
  let planned: Planned;
  try {
    planned = await planChanges(kernel, options.stateDir, hostPlan, settings.now(), {
      ...(options.healthWeights ? { healthWeights: options.healthWeights } : {}),
      ...(options.healthHoldsNone ? { healthHoldsNone: options.healthHoldsNone } : {}),
      phases,
      readMarksAnyway: !settings.marksReadSinceStart,
      memo: settings.diffMemo,
    });
    if (planned.marksRead) settings.marksReadSinceStart = true;
  } catch (error) {
    return failed(errorMessage(error), { changed: swept });
  }
  await reportPlan(planned, mode, emit, settings.drainTimeoutMs, omitDiff);
  phases.lap('report');
  const changed = changeCount(planned) + (vrrp?.changed ? 1 : 0);
  // at the first apply since the agent started and whenever one changes something: a no-op
  // rollout reads nothing more (finish lets a reading taken ahead for it go)
  if (kernel.natPath && (changed > 0 || !settings.natPathChecked)) {
    settings.natPathChecked = true;
    await checkNatPath(kernel.natPath, hostPlan, emit, options.logger);
    phases.lap('natPath');
  }

  if (mode === 'check') {
    await emitSteps(planned, emit, 'changed', 'would ', settings.drainTimeoutMs);
    if (vrrp) emit(vrrp.step('changed', 'would '));
    return finish({ kind: 'result', outcome: changed ? 'changed' : 'ok', changed, message: changed ? `${changed} change(s) would be made` : 'already as planned' });
  }
  const result = await applyPlanned(kernel, options, settings, planned, changed, emit, phases, vrrp);
  if (swept === 0) return finish(result);
  // The sweep's deletions stand even when the apply after them is rolled back.
  if (result.outcome === 'failed') {
    return finish({ ...result, changed: swept, message: `${result.message} (the drain sweep before it deleted ${swept} drained realserver(s); that stays)` });
  }
  const total = result.changed + swept;
  return finish({ ...result, outcome: 'changed', changed: total, message: `${total} change(s) applied` });
}

/**
 * Settings outside the table that would lose LVS-NAT answers (forwarding off, ICMP redirects on
 * a one-armed director): a notice each, with its fix. They do not stop the apply: the table is
 * right, and the fix is the operator's, on this host. A read that fails is logged, not reported.
 */
async function checkNatPath(source: NatPathSource, plan: DirectorPlan, emit: Emit, logger: winston.Logger): Promise<void> {
  if (!planHasNat(plan) && !planHasNat6(plan)) {
    source.discard(false);
    return;
  }
  try {
    const reading = await source.take();
    for (const message of natPathNoticesOf(plan, reading)) {
      emit({ kind: 'notice', message });
      logger.warn('LVS-NAT answers may not get back to the clients', { problem: message });
    }
  } catch (error) {
    logger.warn('could not check forwarding and ICMP redirects for the LVS-NAT services', { error: errorMessage(error) });
  }
}

/**
 * Finished drains go first, as their own committed step, so the apply's snapshot (and any
 * rollback) starts from a table without them. Returns how many destinations it deleted.
 */
async function sweepFirst(kernel: HeldKernel, options: DirectorApplierOptions, settings: Settings, emit: Emit): Promise<number> {
  try {
    const report = await sweepDrains({
      stateDir: options.stateDir,
      ipvs: kernel.ipvs,
      now: settings.now,
      timeoutMs: settings.drainTimeoutMs,
      logger: options.logger,
    });
    reportSweep(report, emit);
    return report.removed.length;
  } catch (error) {
    // An unreadable ownership file then fails the apply itself, with its own message.
    emit({ kind: 'notice', message: `drain sweep skipped: ${errorMessage(error)}` });
    return 0;
  }
}

async function applyPlanned(
  kernel: HeldKernel,
  options: DirectorApplierOptions,
  settings: Settings,
  planned: Planned,
  changed: number,
  emit: Emit,
  phases: ApplyPhases,
  vrrp?: VrrpChange,
): Promise<ResultEvent> {
  const { plan, desired, ops, marks } = planned;
  const touched = await runSliced(touchedServiceSteps(ops));
  let claim: OwnershipClaim = NO_CLAIM;
  if (ops.length > 0) {
    try {
      claim = await claimPlannedServices(options.stateDir, planned.ownership, toCreate(planned.notOwned, planned.adopted));
    } catch (error) {
      await emitSteps(planned, emit, 'skipped', '', settings.drainTimeoutMs, ' (not applied)');
      return { kind: 'result', outcome: 'failed', changed: 0, message: `cannot record the planned services as owned before changing the kernel, nothing was changed: ${errorMessage(error)}` };
    }
    phases.lap('ownershipClaim');
  }
  let marksAttempted = false;
  let marks6Attempted = false;
  try {
    if (ops.length > 0) await kernel.ipvs.applyBatch(ops);
    phases.lap('ipvsBatch');
    if (marks.action !== 'none') {
      marksAttempted = true;
      await swapChain(kernel.marks, marks.action, rulesOfFamily(plan.marks, 'inet'));
    }
    if (planned.marks6 && planned.marks6.action !== 'none' && kernel.marks6) {
      marks6Attempted = true;
      await swapChain(kernel.marks6, planned.marks6.action, rulesOfFamily(plan.marks, 'inet6'));
    }
    phases.lap('markChain');
    if (changed > 0) phases.read('readBack', await verifyReadBack(kernel, planned, touched, { marks: marksAttempted, marks6: marks6Attempted }, settings.diffMemo.knownEqual));
    phases.lap('readBack');
    // The addresses move only once the table that serves them is in place and read back.
    if (vrrp) await vrrp.commit();
    const owned = {
      services: desired.map((s) => s.service.key),
      markRules: plan.marks,
      generation: plan.generation,
      draining: planned.drains.draining,
    };
    // no claim was written and nothing recorded changes (a weight changed, a no-op): the file stays as it is
    // (every planned service owned already and as many owned as planned: the same services)
    const sameServices = planned.notOwned.length === 0 && owned.services.length === planned.ownership.services.length;
    if (claim.claimed || !sameOwnedApartFromGeneration(owned, planned.ownership, sameServices)) await writeOwnership(options.stateDir, owned);
    phases.lap('ownership');
  } catch (error) {
    const failure = errorMessage(error);
    options.logger.warn('director apply failed; restoring the snapshot', { failure });
    const appeared = appearedMeanwhile(error, ops);
    const restore = await restoreSnapshot(kernel, planned.snapshot, { services: touched, appeared, marks: marksAttempted, marks6: marks6Attempted });
    if (vrrp) {
      await vrrp.undo().catch((undoError: unknown) =>
        options.logger.warn('could not put keepalived.conf back after the failed apply', { error: errorMessage(undoError) }));
    }
    // Rolled back: the claim goes. Not rolled back: the kernel may hold the planned services, so they stay
    // claimed, but for those someone else made meanwhile (or may have: ipvsadm names none), which the
    // next rollout of a plan without them would otherwise delete.
    if (restore.ok) {
      await claim.release().catch((releaseError: unknown) =>
        options.logger.warn('could not put the ownership file back after the rollback; the planned services stay claimed', { error: errorMessage(releaseError) }));
    } else if (appeared.services.length > 0) {
      await claim.narrow(appeared.services.map((a) => a.key)).catch((narrowError: unknown) =>
        options.logger.warn('could not take the services made meanwhile out of the ownership file; they stay claimed', { error: errorMessage(narrowError) }));
    }
    // each step says what became of it: rolled back, or, the rollback failed, perhaps still there
    await emitSteps(planned, emit, 'skipped', '', settings.drainTimeoutMs, restore.ok ? ' (not kept: rolled back)' : ' (the rollback failed: it may still be in the kernel; see lvsctl status)');
    if (vrrp) emit(vrrp.step('skipped', 'not kept: '));
    emit({ kind: 'step', action: 'apply', target: plan.host, status: 'failed', message: failure });
    return {
      kind: 'result',
      outcome: 'failed',
      changed: 0,
      message: `apply failed: ${failure}; ${restore.ok ? 'rolled back' : 'ROLLBACK FAILED'}: ${restore.message}`,
      rollback: restore.message,
    };
  }
  await emitSteps(planned, emit, 'changed', '', settings.drainTimeoutMs);
  if (vrrp) emit(vrrp.step('changed', ''));
  phases.lap('report');
  return { kind: 'result', outcome: changed ? 'changed' : 'ok', changed, message: changed ? `${changed} change(s) applied` : 'already as planned' };
}

async function swapChain(door: Marks, action: 'replace' | 'remove', rules: MarkRule[]): Promise<void> {
  if (action === 'replace') await door.replaceOwnedChain(rules);
  else await door.removeOwnedChain();
}

/**
 * The planned services this apply may create: those it does not own and that are not in the
 * kernel already. One in the kernel that is not its own (made by hand, adopted by this plan)
 * becomes its own only when the apply succeeds: claimed before, an agent killed mid-apply would
 * own it, and the next rollout of a plan without it delete it.
 */
function toCreate(notOwned: readonly ServiceKey[], adopted: readonly ServiceKey[]): ServiceKey[] {
  if (adopted.length === 0) return [...notOwned];
  const inKernel = new Set(adopted.map(serviceKeyString));
  return notOwned.filter((key) => !inKernel.has(serviceKeyString(key)));
}

/** Every service an operation is about, once each, in the order first named. */
function* touchedServiceSteps(ops: readonly IpvsOperation[]): Pausable<ServiceKey[]> {
  const byName = new Map<string, ServiceKey>();
  let previous: ServiceKey | undefined;
  // by index: with V8's optimizing compiler off (a one-CPU director) for-of makes an iterator result per element
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const key = 'service' in op ? op.service.key : op.key;
    // A service's operations share its key object: no need to name it again.
    if (key === previous) continue;
    previous = key;
    byName.set(serviceKeyString(key), key);
    yield;
  }
  return [...byName.values()];
}

/**
 * The kernel must now hold what was planned for every service the apply touched, and the
 * planned chain. A chain the apply did not write is not read again (reading starts a
 * process): it was read moments ago for the plan, and nothing this apply did can change it.
 * Likewise the IPVS door reads again only the services the batch wrote, where it can vouch
 * for the rest (readWritten: the plan's read checked the listing, the batch was acknowledged
 * whole); the next apply's read checks the whole listing again. A service the door found
 * the kernel's listing to state exactly as projected comes back as the projected object
 * itself (a load: 2,000 services): that one is checked already, the others are compared.
 * When the door read again only what the batch wrote (it says which: `readAgain`), every other
 * service it hands back is the object the plan's read gave, which the projection kept: only the
 * touched services are compared and learnt, not the whole table (a weight: one of 2,000).
 */
async function verifyReadBack(
  kernel: HeldKernel, planned: Planned, touched: ServiceKey[], written: { marks: boolean; marks6: boolean }, known: KnownEqual,
): Promise<ReadAccount | undefined> {
  const marks6Door = planned.marks6 && written.marks6 ? kernel.marks6 : undefined;
  const ipvsRead = kernel.ipvs.readWritten ? kernel.ipvs.readWritten(planned.projected) : kernel.ipvs.read();
  const [ipvs, marks, marks6] = await Promise.all([ipvsRead, written.marks ? kernel.marks.read() : undefined, marks6Door?.read()]);
  const { readAgain } = ipvs;
  const { expected, found } = readAgain !== undefined
    ? { expected: touchedAsProjected(planned.projectedTouched), found: [...readAgain] }
    : await runSliced(withoutConfirmedSteps(planned.projected, ipvs.services));
  // every service found as projected (a load): no key is in either table, nothing to compare
  const problems = expected.length === 0 && found.length === 0 ? [] : await runSliced(tableDifferenceSteps(expected, found, touched));
  if (marks && reconcileMarks(rulesOfFamily(planned.plan.marks, 'inet'), marks).action !== 'none') problems.push(`mark chain: ${describeMarks(marks)}`);
  if (marks6 && reconcileMarks(rulesOfFamily(planned.plan.marks, 'inet6'), marks6).action !== 'none') problems.push(`IPv6 mark chain: ${describeMarks(marks6)}`);
  if (problems.length > 0) throw new Error(`read-back differs from the plan: ${problems.join('; ')}`);
  // the next apply's diff need not compare these again (the door hands out the same objects while they stay so)
  await runSliced(readAgain !== undefined
    ? known.learnSteps(planned.desiredChanged, readAgain, touched)
    : known.learnSteps(planned.desired, ipvs.services, touched));
  return ipvs.how;
}

/** The touched services the projection keeps (a deleted one is expected absent: no key in either table). */
function touchedAsProjected(touched: ReadonlyMap<string, IpvsService | undefined>): IpvsService[] {
  const expected: IpvsService[] = [];
  for (const service of touched.values()) if (service !== undefined) expected.push(service);
  return expected;
}

/** Both tables without the services found as the very objects projected (a key absent from both is no difference). */
function* withoutConfirmedSteps(projected: readonly IpvsService[], read: readonly IpvsService[]): Pausable<{ expected: IpvsService[]; found: IpvsService[] }> {
  const projectedSet = new Set<IpvsService>();
  for (const s of projected) {
    projectedSet.add(s);
    yield;
  }
  const confirmed = new Set<IpvsService>();
  const found: IpvsService[] = [];
  for (const s of read) {
    if (projectedSet.has(s)) confirmed.add(s);
    else found.push(s);
    yield;
  }
  const expected: IpvsService[] = [];
  for (const s of projected) {
    if (!confirmed.has(s)) expected.push(s);
    yield;
  }
  return { expected, found };
}

function describeMarks(marks: MarkState): string {
  if (!marks.chainExists) return 'the owned chain is missing';
  if (marks.jumpCount === 0) return 'the jump from PREROUTING is missing';
  if (marks.jumpCount > 1) return `PREROUTING jumps to the owned chain ${marks.jumpCount} times`;
  return `found ${marks.owned.length} rule(s) not matching the plan`;
}
