// A reboot takes back what prepare set: the VIPs on lo, the ARP sysctls, tunl0 are the
// kernel's, not a file's. The last applied plan survives in --state-dir, so a realserver agent
// whose last plan says `prepare: true` applies it once more as it starts, before it serves:
// otherwise the host answers its director's health checks (at its own address) while it drops
// every packet for the VIP, until the next rollout. Nothing is asked of a plan that only
// verifies; a plan that cannot be read waits for the next rollout, as health checking does.
import type { Logger } from 'winston';
import { errorMessage } from '../../lvs/errors';
import type { StepEvent } from '../../lvs/apply-events';
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
}

export type PrepareAtStartOutcome = 'no plan' | 'not a realserver plan' | 'verify only' | 'unreadable' | 'as planned' | 'prepared' | 'failed';

/** At most STEPS_NAMED of the steps as text under `key`, and how many more there were. */
function named(key: 'changed' | 'failed', steps: readonly StepEvent[]): Record<string, string[] | number> {
  if (steps.length === 0) return {};
  const text = steps.slice(0, STEPS_NAMED).map((s) => `${s.action} ${s.target}: ${s.message}${s.fix ? ` (fix: ${s.fix})` : ''}`);
  return steps.length > STEPS_NAMED ? { [key]: text, [`${key}LeftOut`]: steps.length - STEPS_NAMED } : { [key]: text };
}

export async function prepareAgainAtStart(opts: PrepareAtStartOptions): Promise<PrepareAtStartOutcome> {
  let plan: HostPlan | undefined;
  try {
    plan = await opts.readLastPlan();
  } catch (error) {
    opts.logger.warn('the last applied plan could not be read: what prepare set is not put back until the next rollout', { problem: errorMessage(error) });
    return 'unreadable';
  }
  if (plan === undefined) return 'no plan';
  if (plan.role !== 'realserver') {
    opts.logger.info(`the last applied plan is a ${plan.role}'s (the agent's role changed): nothing to prepare at start; the next rollout replaces it`, { generation: plan.generation });
    return 'not a realserver plan';
  }
  if (!plan.prepare) return 'verify only';
  const steps: StepEvent[] = [];
  let result;
  try {
    result = await opts.applier.applyAtStart(plan, (event) => {
      if (event.kind === 'step') steps.push(event);
    });
  } catch (error) {
    // the agent starts whatever happens here: a controller must be able to reach it to fix the host
    opts.logger.warn('the last applied plan could not be prepared again at start: what failed holds until it is fixed and rolled out', { generation: plan.generation, problem: errorMessage(error) });
    return 'failed';
  }
  const fields = { generation: plan.generation, changedCount: result.changed };
  const changed = named('changed', steps.filter((s) => s.status === 'changed'));
  if (result.outcome === 'failed') {
    // what it did set is named too: a check prepare cannot fix (a route, an FTP range) fails it as well
    opts.logger.warn('the last applied plan could not be prepared again in full at start: what failed holds until it is fixed and rolled out', {
      ...fields, problem: result.message, ...named('failed', steps.filter((s) => s.status === 'failed')), ...changed,
    });
    return 'failed';
  }
  if (result.changed === 0) {
    opts.logger.info('the last applied plan is still in place at start: nothing to prepare again', fields);
    return 'as planned';
  }
  opts.logger.info('prepared again at start from the last applied plan (a reboot, or a hand, had taken it back)', { ...fields, ...changed });
  return 'prepared';
}
