// The fall/rise state machine of one (service, realserver): pure, no clock of its own
// (the time of the check is passed in), so every sequence of results can be tested as a table.
import type { HealthState } from '../../lvs/health/types';

export interface FallRiseRules {
  /** consecutive failures that take a target down */
  fall: number;
  /** consecutive successes that bring a down target back up */
  rise: number;
}

export interface FallRiseState {
  state: HealthState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface StateChange {
  at: Date;
  from: HealthState;
  to: HealthState;
  reason: string;
}

export interface Observation {
  next: FallRiseState;
  /** set when the state changed with this check */
  change?: StateChange;
}

/**
 * A new target starts `unknown` and keeps serving with its plan weight until it fails
 * `fall` times: a fresh rollout (or an agent restart) must not quiesce every realserver
 * before the first round of checks, which would drop the whole service for an interval.
 */
export function initialFallRise(): FallRiseState {
  return { state: 'unknown', consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

/**
 * Feeds one check result. Rules:
 * - a failure counts towards `fall` from `unknown` or `up`; at `fall` in a row → `down`
 *   with the check's error text as reason;
 * - a success from `unknown` confirms what traffic already assumed → `up` at once;
 * - a success from `down` counts towards `rise`; at `rise` in a row → `up`
 *   ("N checks passed");
 * - any result of the other kind resets the opposite counter.
 */
export function observeCheck(
  current: FallRiseState,
  result: { ok: boolean; detail: string },
  rules: FallRiseRules,
  at: Date,
): Observation {
  assertRules(rules);
  if (result.ok) {
    const successes = current.consecutiveSuccesses + 1;
    const next: FallRiseState = { state: current.state, consecutiveFailures: 0, consecutiveSuccesses: successes };
    if (current.state === 'unknown') return changed(current, { ...next, state: 'up' }, at, 'first check passed');
    if (current.state === 'down' && successes >= rules.rise) {
      return changed(current, { ...next, state: 'up' }, at, `${successes} ${plural(successes, 'check')} passed`);
    }
    return { next };
  }
  const failures = current.consecutiveFailures + 1;
  const next: FallRiseState = { state: current.state, consecutiveFailures: failures, consecutiveSuccesses: 0 };
  if (current.state !== 'down' && failures >= rules.fall) {
    return changed(current, { ...next, state: 'down' }, at, result.detail || 'check failed');
  }
  return { next };
}

function changed(from: FallRiseState, next: FallRiseState, at: Date, reason: string): Observation {
  return { next, change: { at, from: from.state, to: next.state, reason } };
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function assertRules(rules: FallRiseRules): void {
  for (const name of ['fall', 'rise'] as const) {
    const v = rules[name];
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`health check ${name} must be a whole number of checks >= 1, got ${v}`);
    }
  }
}
