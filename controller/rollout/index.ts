// lvsctl rollout's core: what the CLI and other commands import.
export { runRollout, FIX_BLOCKED_DIRECTORS, type RolloutInput, type RolloutTarget } from './run-rollout';
export { rolloutExitCode } from './exit-code';
export { parseLimit, unknownLimitHosts, selectRolloutHosts, realserversOf } from './selection';
export { blockersOf, describeBlockers, quiesceRealservers, realserverPassed } from './gate';
export { mapBounded } from './bounded';
export type * from './events';
export { executeRollout, parseParallel, RolloutUsageError, DEFAULT_PARALLEL, type RolloutCommandDeps, type RolloutCommandOptions } from './command';
