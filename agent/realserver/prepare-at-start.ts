// A reboot takes back what prepare set: the VIPs on lo, the ARP sysctls, tunl0 are the
// kernel's, not a file's. The last applied plan survives in --state-dir, so a realserver agent
// whose last plan says `prepare: true` applies it once more as it starts, before it serves:
// otherwise the host answers its director's health checks (at its own address) while it drops
// every packet for the VIP, until the next rollout. Nothing is asked of a plan that only
// verifies; a plan that cannot be read waits for the next rollout, as health checking does.
// A prepare that failed (an interface not up yet at boot, a module still loading) is tried
// again, 10 s later and then at doubling intervals up to 5 minutes, ten times at most, until
// it holds or a rollout comes (whatever became of it: it set what its plan wants, and said
// so): the host mends itself once the cause is gone, and a lasting cause is not retried forever.
import type { Logger } from 'winston';
import { errorMessage } from '../../lvs/errors';
import type { ApplyEvent, StepEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import type { RealserverApplier } from './verifier';

/** How many changed or failed steps a log line names; the rest are counted. */
const STEPS_NAMED = 20;

export interface PrepareAtStartOptions {
  /** the last applied plan, undefined when there is none (readLastPlan) */
  readLastPlan: () => Promise<HostPlan | undefined>;
  /** the realserver's own applier: the one a rollout goes through, so the two never interleave */
  applier: Pick<RealserverApplier, 'applyAtStart'>;
  logger: Logger;
  /** a try again after a failed start: its number (logged), and the rollouts' count it began with */
  retry?: { number: number; unlessRolloutSince: number };
}

export type PrepareAtStartOutcome = 'no plan' | 'not a realserver plan' | 'verify only' | 'unreadable' | 'as planned' | 'prepared' | 'failed' | 'superseded';

/** At most STEPS_NAMED of the steps as text under `key`, and how many more there were. */
function named(key: 'changed' | 'failed', steps: readonly StepEvent[]): Record<string, string[] | number> {
  if (steps.length === 0) return {};
  const text = steps.slice(0, STEPS_NAMED).map((s) => `${s.action} ${s.target}: ${s.message}${s.fix ? ` (fix: ${s.fix})` : ''}`);
  return steps.length > STEPS_NAMED ? { [key]: text, [`${key}LeftOut`]: steps.length - STEPS_NAMED } : { [key]: text };
}

export interface PrepareAtStartResult {
  outcome: PrepareAtStartOutcome;
  /** the generation of the plan it prepared, or tried to */
  generation?: number;
}

export async function prepareAgainAtStart(opts: PrepareAtStartOptions): Promise<PrepareAtStartResult> {
  let plan: HostPlan | undefined;
  try {
    plan = await opts.readLastPlan();
  } catch (error) {
    opts.logger.warn('the last applied plan could not be read: what prepare set is not put back until the next rollout', { problem: errorMessage(error) });
    return { outcome: 'unreadable' };
  }
  if (plan === undefined) return { outcome: 'no plan' };
  if (plan.role !== 'realserver') {
    opts.logger.info(`the last applied plan is a ${plan.role}'s (the agent's role changed): nothing to prepare at start; the next rollout replaces it`, { generation: plan.generation });
    return { outcome: 'not a realserver plan', generation: plan.generation };
  }
  if (!plan.prepare) return { outcome: 'verify only', generation: plan.generation };
  const { generation } = plan;
  const retry = opts.retry === undefined ? {} : { retry: opts.retry.number };
  const steps: StepEvent[] = [];
  const collect = (event: ApplyEvent): void => {
    if (event.kind === 'step') steps.push(event);
  };
  let result;
  try {
    const applied = opts.retry === undefined
      ? await opts.applier.applyAtStart(plan, collect)
      : await opts.applier.applyAtStart(plan, collect, opts.retry.unlessRolloutSince);
    if (applied === 'superseded') {
      opts.logger.info('the start-time prepare is not tried again: a rollout came since, and set what its plan wants', { generation, ...retry });
      return { outcome: 'superseded', generation };
    }
    result = applied;
  } catch (error) {
    // the agent starts whatever happens here: a controller must be able to reach it to fix the host
    opts.logger.warn('the last applied plan could not be prepared again at start: it is tried again later, until it holds or a rollout replaces the plan', { generation, ...retry, problem: errorMessage(error) });
    return { outcome: 'failed', generation };
  }
  const fields = { generation, ...retry, changedCount: result.changed };
  const changed = named('changed', steps.filter((s) => s.status === 'changed'));
  if (result.outcome === 'failed') {
    // what it did set is named too: a check prepare cannot fix (a route, an FTP range) fails it as well
    opts.logger.warn('the last applied plan could not be prepared again in full at start: it is tried again later, until it holds or a rollout replaces the plan', {
      ...fields, problem: result.message, ...named('failed', steps.filter((s) => s.status === 'failed')), ...changed,
    });
    return { outcome: 'failed', generation };
  }
  if (result.changed === 0) {
    opts.logger.info('the last applied plan is still in place at start: nothing to prepare again', fields);
    return { outcome: 'as planned', generation };
  }
  opts.logger.info('prepared again at start from the last applied plan (a reboot, or a hand, had taken it back)', { ...fields, ...changed });
  return { outcome: 'prepared', generation };
}

export interface PrepareRetryOptions extends Omit<PrepareAtStartOptions, 'retry' | 'applier'> {
  applier: Pick<RealserverApplier, 'applyAtStart' | 'rolloutApplies'>;
  /** the generation whose prepare failed at start */
  generation: number;
  /** the first wait; doubled after each failed try up to maxDelayMs (defaults 10 s and 5 minutes) */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** how many tries again at most (default 10: about 30 minutes with the default waits) */
  maxRetries?: number;
  /** told each try's outcome (tests); the log says it as well */
  tried?: (result: PrepareAtStartResult) => void;
}

export interface PrepareRetries {
  /** no more tries (the agent stops); resolves once a try under way has finished */
  stop(): Promise<void>;
}

const FIRST_RETRY_DELAY_MS = 10_000;
const MAX_RETRY_DELAY_MS = 5 * 60_000;
const MAX_RETRIES = 10;

/**
 * After a failed start-time prepare: the last plan prepared again later, and again at doubling
 * intervals, until it holds (prepared, or found as planned), a rollout comes (counted by the
 * applier, and checked in its queue: a try waiting behind a rollout does nothing), or the tries
 * run out. Through the same applier, so a try never interleaves with a rollout's apply. The
 * timer does not hold the process.
 */
export function retryPrepareAfterFailure(opts: PrepareRetryOptions): PrepareRetries {
  const maxDelayMs = opts.maxDelayMs ?? MAX_RETRY_DELAY_MS;
  const maxRetries = opts.maxRetries ?? MAX_RETRIES;
  const since = opts.applier.rolloutApplies();
  let delayMs = opts.firstDelayMs ?? FIRST_RETRY_DELAY_MS;
  let retry = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let underWay: Promise<void> | undefined;
  const schedule = (): void => {
    opts.logger.info('the start-time prepare is tried again later', { generation: opts.generation, nextRetryInS: Math.round(delayMs / 1000), retry: retry + 1, of: maxRetries });
    timer = setTimeout(() => {
      timer = undefined;
      underWay = tryAgain().finally(() => { underWay = undefined; });
    }, delayMs);
    timer.unref();
  };
  const tryAgain = async (): Promise<void> => {
    // a rollout that came meanwhile said how it went; nothing of the older plan is set over it
    if (opts.applier.rolloutApplies() !== since) return;
    retry += 1;
    const result = await prepareAgainAtStart({ readLastPlan: opts.readLastPlan, applier: opts.applier, logger: opts.logger, retry: { number: retry, unlessRolloutSince: since } });
    opts.tried?.(result);
    if (stopped || result.outcome !== 'failed') return;
    if (retry >= maxRetries) {
      opts.logger.warn(`the start-time prepare failed ${retry + 1} times: it is not tried again; the next rollout prepares the host (see the failed steps above)`, { generation: opts.generation });
      return;
    }
    delayMs = Math.min(delayMs * 2, maxDelayMs);
    schedule();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await underWay;
    },
  };
}
