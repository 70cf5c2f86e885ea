// An in-memory HostApplier: emits a few steps and a result, records what it was asked,
// and can be held open to test queueing and shutdown.
import type { ApplyEvent, ApplyMode, HostApplier, ResultEvent } from '../../../lvs/apply-events';
import type { HostPlan } from '../../../lvs/host-plan';

export interface AppliedCall {
  plan: HostPlan;
  mode: ApplyMode;
  startedAt: number;
  finishedAt?: number;
}

export class FakeApplier implements HostApplier {
  readonly calls: AppliedCall[] = [];
  /** how long each apply takes */
  delayMs = 0;
  /** what the next applies end with */
  outcome: ResultEvent['outcome'] = 'changed';
  /** when false, the applier does not emit its result (it only returns it) */
  emitsResult = true;

  async apply(plan: HostPlan, mode: ApplyMode, emit: (event: ApplyEvent) => void): Promise<ResultEvent> {
    const call: AppliedCall = { plan, mode, startedAt: Date.now() };
    this.calls.push(call);
    emit({ kind: 'step', action: 'read-state', target: plan.host, status: 'ok', message: 'read the kernel state' });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    emit({ kind: 'diff', subject: 'ipvs', before: '', after: '-A -t 10.0.0.100:80 -s rr\n' });
    emit({ kind: 'step', action: 'add-service', target: 'tcp 10.0.0.100:80', status: 'changed', message: mode === 'check' ? 'would add' : 'added' });
    const result: ResultEvent = {
      kind: 'result',
      outcome: this.outcome,
      changed: this.outcome === 'ok' ? 0 : 1,
      message: `${mode} of generation ${plan.generation} done`,
    };
    call.finishedAt = Date.now();
    if (this.emitsResult) emit(result);
    return result;
  }
}
