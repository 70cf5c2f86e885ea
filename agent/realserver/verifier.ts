// The realserver agent's HostApplier: verifies what each forwarding method and FTP duty
// needs; with plan.prepare, "apply" also sets what is missing (and "check" says what it
// would set), records it as its own and undoes it when a later plan drops it.
import { errorMessage } from '../../lvs/errors';
import { SerialQueue } from '../../lvs/serial-queue';
import type winston from 'winston';
import type { ApplyEvent, ApplyMode, HostApplier, ResultEvent, StepEvent } from '../../lvs/apply-events';
import type { HostPlan, RealserverPlan } from '../../lvs/host-plan';
import { ExecError } from '../kernel/exec';
import { readRealserverOwned, writeRealserverOwned, type RealserverOwned } from '../state/realserver-owned';
import { remediesCommand, type CheckResult } from './check-result';
import { checkId, evaluateRealserver } from './checks';
import { createLinuxRealserverKernel, type RealserverKernel } from './kernel';
import { collectRemedies, isEmptyStale, planUndo, staleOwned, wantedByPlan, type UndoItem } from './ownership-plan';
import { realserverDiff } from './diff';
import { applyRemedies, executeUndo } from './prepare';
import { facingInterface, inspectRealserver } from './snapshot';
import { realserverPlanProblems } from './validate';

export interface RealserverVerifierOptions {
  stateDir: string;
  logger: winston.Logger;
  kernel?: RealserverKernel;
}

/** The realserver's applier, and the way its last plan is applied again as the agent starts. */
export interface RealserverApplier extends HostApplier {
  /**
   * The last applied plan once more, in apply mode (realserver/prepare-at-start.ts): the
   * agent's own plan, so a newer generation recorded by a later rollout (one that changed
   * nothing in the plan's file, or failed on this host) does not refuse it, and the recorded
   * generation never goes back.
   */
  applyAtStart(plan: HostPlan, emit: (event: ApplyEvent) => void): Promise<ResultEvent>;
  /**
   * How many rollouts' applies (mode apply) this applier has taken so far: a start-time prepare
   * tried again later passes the count it began with to applyAtStart, which then does nothing
   * ('superseded') once a rollout came in between, whatever became of it.
   */
  rolloutApplies(): number;
  applyAtStart(plan: HostPlan, emit: (event: ApplyEvent) => void, unlessRolloutSince: number): Promise<ResultEvent | 'superseded'>;
}

export function createRealserverVerifier(opts: RealserverVerifierOptions): RealserverApplier {
  return new RealserverVerifier(opts.stateDir, opts.logger, opts.kernel ?? createLinuxRealserverKernel());
}

function stepOf(c: CheckResult, status: StepEvent['status'] = c.status, message = c.message): StepEvent {
  return { kind: 'step', action: c.action, target: c.target, status, message, ...(c.fix && status !== 'ok' ? { fix: c.fix } : {}) };
}

class RealserverVerifier implements RealserverApplier {
  /** applies run one after another: two prepares must not interleave their kernel changes */
  private readonly queue = new SerialQueue();
  /** rollouts' applies taken (mode apply), counted as each enters the queue */
  private applies = 0;

  constructor(private readonly stateDir: string, private readonly logger: winston.Logger, private readonly kernel: RealserverKernel) {}

  apply(plan: HostPlan, mode: ApplyMode, emit: (event: ApplyEvent) => void): Promise<ResultEvent> {
    // counted as it arrives: a try again queued behind it sees it
    if (mode === 'apply') this.applies += 1;
    return this.queue.run(() => this.guarded(plan, mode, emit, false));
  }

  rolloutApplies(): number {
    return this.applies;
  }

  applyAtStart(plan: HostPlan, emit: (event: ApplyEvent) => void): Promise<ResultEvent>;
  applyAtStart(plan: HostPlan, emit: (event: ApplyEvent) => void, unlessRolloutSince: number): Promise<ResultEvent | 'superseded'>;
  applyAtStart(plan: HostPlan, emit: (event: ApplyEvent) => void, unlessRolloutSince?: number): Promise<ResultEvent | 'superseded'> {
    return this.queue.run(async () => {
      // decided in the queue: a rollout that came while this waited has set what its plan wants
      if (unlessRolloutSince !== undefined && this.applies !== unlessRolloutSince) return 'superseded' as const;
      return this.guarded(plan, 'apply', emit, true);
    });
  }

  private async guarded(plan: HostPlan, mode: ApplyMode, emit: (event: ApplyEvent) => void, atStart: boolean): Promise<ResultEvent> {
    // No log line of its own: the service's "apply finished" says the outcome and what changed
    // (one formatted line fewer per agent per rollout); a failure to verify is logged below.
    const finish = (result: ResultEvent): ResultEvent => {
      emit(result);
      return result;
    };
    if (plan.role !== 'realserver') {
      return finish({ kind: 'result', outcome: 'failed', changed: 0, message: `this agent runs as a realserver; it was sent a ${plan.role} plan for host ${plan.host}` });
    }
    const problems = realserverPlanProblems(plan);
    if (problems.length > 0) {
      return finish({ kind: 'result', outcome: 'failed', changed: 0, message: `the realserver plan for ${plan.host} is invalid: ${problems.join('; ')}` });
    }
    try {
      return finish(await this.verify(plan, mode, emit, atStart));
    } catch (e) {
      const missingTool = e instanceof ExecError && e.reason === 'not-found';
      this.logger.error('realserver verify failed', { host: plan.host, error: errorMessage(e) });
      return finish({
        kind: 'result',
        outcome: 'failed',
        changed: 0,
        message: `cannot verify ${plan.host}: ${errorMessage(e)}${missingTool ? ' (install iproute2 and procps)' : ''}`,
        ...(missingTool ? { failedPrecondition: true } : {}),
      });
    }
  }

  private async verify(plan: RealserverPlan, mode: ApplyMode, emit: (event: ApplyEvent) => void, atStart: boolean): Promise<ResultEvent> {
    const snapshot = await inspectRealserver(this.kernel, plan);
    const checks = evaluateRealserver(plan, snapshot);
    if (!plan.prepare) {
      checks.forEach((c) => emit(stepOf(c)));
      // Only verifying: a damaged state file is worth a word, not a failure.
      const owned = await readRealserverOwned(this.stateDir).catch((e: Error) => e);
      if (owned instanceof Error) emit({ kind: 'notice', message: owned.message });
      else if (owned.addresses.length + owned.links.length + owned.sysctls.length > 0) {
        emit({ kind: 'notice', message: `an earlier prepare set ${describeOwned(owned)}; kept as is because this plan does not ask to prepare` });
      }
      return summarize(plan, checks.map((c) => stepOf(c)));
    }
    const owned = await readRealserverOwned(this.stateDir).catch((e: Error) => e);
    if (owned instanceof Error) {
      // Without knowing what it owns, prepare cannot tell its changes from the operator's: it only verifies.
      const steps: StepEvent[] = [...checks.map((c) => stepOf(c)), { kind: 'step', action: 'prepare', target: plan.host, status: 'failed', message: owned.message }];
      steps.forEach((s) => emit(s));
      return summarize(plan, steps);
    }
    if (mode === 'apply' && !atStart && plan.generation < owned.generation) {
      return { kind: 'result', outcome: 'failed', changed: 0, message: `refusing plan generation ${plan.generation}: generation ${owned.generation} was already prepared on ${plan.host} (a newer rollout ran)` };
    }

    const facing = facingInterface(snapshot.interfaces, plan.address)?.name;
    // At start, a plan older than what was prepared since (its file not rewritten) only sets what
    // it needs: what the newer rollout set stays (a VIP more on lo is harmless with arp_ignore),
    // for the directors may be serving that rollout's plan.
    const olderAtStart = atStart && plan.generation < owned.generation;
    const stale = olderAtStart ? undefined : staleOwned(owned, wantedByPlan(plan, facing, snapshot.defaultRoutes));
    const undo = stale === undefined || isEmptyStale(stale) ? [] : planUndo(stale, snapshot.interfaces, await this.kernel.sysctl.read(stale.sysctls.map((s) => s.key)));
    const remedies = collectRemedies(checks);
    const diff = realserverDiff(snapshot.interfaces, snapshot.sysctls, remedies, undo);
    if (diff) emit(diff);

    if (mode === 'check') {
      const steps = checks.map((c) =>
        c.status === 'failed' && c.remedies?.length ? stepOf(c, 'changed', `${c.message}; prepare would run: ${remediesCommand(c.remedies)}`) : stepOf(c),
      );
      steps.forEach((s) => emit(s));
      const undoSteps = emitUndo(undo, emit, true);
      return summarize(plan, [...steps, ...undoSteps]);
    }

    // at start the plan may be older than the generation recorded: that one stays, so a stale rollout is still refused
    const generation = atStart ? Math.max(plan.generation, owned.generation) : plan.generation;
    const persist = (o: RealserverOwned) => writeRealserverOwned(this.stateDir, { ...o, generation });
    const errors: string[] = [];
    let current = owned;
    if (remedies.length > 0) {
      this.logger.info('prepare sets', { host: plan.host, commands: remediesCommand(remedies) });
      const outcome = await applyRemedies(this.kernel, remedies, current, persist);
      current = outcome.owned;
      if (outcome.error) errors.push(`setting what is missing failed: ${outcome.error}`);
    }
    let undoSteps: StepEvent[] = [];
    if (undo.length > 0) {
      const outcome = await executeUndo(this.kernel, undo, current, persist);
      current = outcome.owned;
      if (outcome.error) errors.push(`undoing what an earlier prepare set failed: ${outcome.error}`);
      else undoSteps = emitUndo(undo, emit, false);
    }
    if (remedies.length === 0 && undo.length === 0 && current.generation !== generation) await persist(current);

    // Read back: what is reported is the kernel after the changes, not the intent.
    const after = evaluateRealserver(plan, await inspectRealserver(this.kernel, plan));
    const before = new Map(checks.map((c) => [checkId(c), c]));
    const steps = after.map((c) => {
      const was = before.get(checkId(c));
      return c.status === 'ok' && was?.status === 'failed' && was.remedies?.length
        ? stepOf(c, 'changed', `${c.message} (prepare ran: ${remediesCommand(was.remedies)})`)
        : stepOf(c);
    });
    steps.forEach((s) => emit(s));
    const errorSteps: StepEvent[] = errors.map((message) => ({ kind: 'step', action: 'prepare', target: plan.host, status: 'failed', message }));
    errorSteps.forEach((s) => emit(s));
    return summarize(plan, [...steps, ...undoSteps, ...errorSteps]);
  }
}

/** Undo items as steps (changes) and notices (forgotten items); returns the steps. */
function emitUndo(items: readonly UndoItem[], emit: (event: ApplyEvent) => void, wouldOnly: boolean): StepEvent[] {
  const steps: StepEvent[] = [];
  for (const item of items) {
    const acts = item.kind === 'sysctl' ? item.restore !== undefined : item.change !== undefined;
    if (!acts) {
      emit({ kind: 'notice', message: item.note });
      continue;
    }
    const action = item.kind === 'address' ? 'remove-address' : item.kind === 'link' ? 'link-down' : 'restore-sysctl';
    const target = item.kind === 'address' ? `${item.owned.address}/${item.owned.prefixlen} dev ${item.owned.device}` : item.kind === 'link' ? item.device : item.owned.key;
    const step: StepEvent = { kind: 'step', action, target, status: 'changed', message: wouldOnly ? `would ${item.note}` : item.done ?? item.note };
    emit(step);
    steps.push(step);
  }
  return steps;
}

function describeOwned(owned: RealserverOwned): string {
  const parts = [
    ...owned.addresses.map((a) => `${a.address}/${a.prefixlen} on ${a.device}`),
    ...owned.links.map((l) => `${l} up`),
    ...owned.sysctls.map((s) => `${s.key}=${s.value}`),
  ];
  return parts.join(', ');
}

function summarize(plan: RealserverPlan, steps: readonly StepEvent[]): ResultEvent {
  const count = (s: StepEvent['status']) => steps.filter((x) => x.status === s).length;
  const failed = count('failed');
  const changed = count('changed');
  const outcome = failed > 0 ? 'failed' : changed > 0 ? 'changed' : 'ok';
  const parts = [`${count('ok')} ok`, `${changed} changed`, `${failed} failed`, ...(count('skipped') ? [`${count('skipped')} skipped`] : [])];
  return { kind: 'result', outcome, changed, message: `realserver ${plan.host}: ${steps.length} steps, ${parts.join(', ')}` };
}
