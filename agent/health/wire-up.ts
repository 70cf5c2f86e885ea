// Wraps the agent's HostApplier from outside, so neither the director applier nor the
// realserver verifier knows about health or metrics: every apply is timed and counted,
// and after a successful APPLY the plan is kept in --state-dir and handed on (to the
// health monitor, or to the realserver's self-checks).
import type { Logger } from 'winston';
import type { HostApplier, ReceivedRequest, ResultEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';

export interface AppliedPlanHooks {
  /** after a successful apply (outcome ok or changed, mode apply) */
  afterApply(plan: HostPlan, received?: ReceivedRequest): Promise<void>;
  /** one finished apply (mode apply only: a check changes nothing) */
  recordApply?(outcome: ResultEvent['outcome'], seconds: number): void;
  logger: Logger;
  /** monotonic milliseconds; injected for tests */
  now?: () => number;
}

export function withAppliedPlanHooks(inner: HostApplier, hooks: AppliedPlanHooks): HostApplier {
  const now = hooks.now ?? (() => performance.now());
  return {
    async apply(plan, mode, emit, received) {
      const started = now();
      const result = await inner.apply(plan, mode, emit, received);
      if (mode !== 'apply') return result;
      hooks.recordApply?.(result.outcome, (now() - started) / 1000);
      if (result.outcome === 'failed') return result;
      try {
        await hooks.afterApply(plan, received);
      } catch (err) {
        // The kernel already holds the plan: a failure here is worth an error line, not a failed apply.
        hooks.logger.error('after apply: keeping the plan for health checks failed', { host: plan.host, generation: plan.generation, error: String(err) });
      }
      return result;
    },
  };
}
