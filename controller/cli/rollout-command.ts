// `lvsctl rollout PLAN`: from a plan file to an exit code. The CLI file wires the real
// loader, resolver and gRPC connector in; tests pass in-memory ones.
import type { PlanLoadResult } from '../plan/load-result';
import type { AgentConnector } from '../client/agent-client';
import { commandDeadline, rolloutDeadlineMs, type CommandDeadline, type DeadlineOptions } from '../client/command-deadline';
import { EXIT } from '../exit-codes';
import { formatProblem, isWarning, problemLines, type PlanProblem } from '../plan/errors';
import { compileHostPlans } from '../plan/compile';
import type { Plan } from '../plan/schema';
import { HumanReport } from '../report/human';
import { invalidPlanJson } from '../report/invalid-plan-json';
import { JsonReport } from '../report/json';
import { shouldUseColor } from '../report/color';
import { rolloutExitCode } from '../rollout/exit-code';
import { runRollout, type RolloutTarget } from '../rollout/run-rollout';
import { checkedLimit } from '../rollout/selection';
import { parallelOf } from './rollout-defaults';
import { BatchedOutput } from './batched-output';
import { rolloutTrace, tracedConnector, type TraceMark } from './rollout-trace';


export interface RolloutCommandOptions {
  check?: boolean;
  diff?: boolean;
  /** as given, each "H" or "H,H" */
  limit?: string[];
  /** as given on the command line */
  parallel?: string;
  json?: boolean;
  continueWithQuiesced?: boolean;
  sshConfig?: string;
  /** --timeout and --deadline; without them (tests) the calls have no command deadline */
  bounds?: DeadlineOptions;
}

export interface RolloutCommandDeps {
  loadPlanFile(path: string): Promise<PlanLoadResult>;
  resolveAddresses(plan: Plan, options: { sshConfigPath?: string }): Promise<{ addresses: Map<string, string>; problems: PlanProblem[] }>;
  /** called once the plan is known good: building it may read certificate files */
  makeConnector(deadline?: CommandDeadline, trace?: TraceMark): AgentConnector;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  clock?: () => number;
}


/** A usage error: the message names the option and what it takes. */
export class RolloutUsageError extends Error {}

export function parseParallel(text: string | undefined): number {
  const read = parallelOf(text);
  if (!read.ok) throw new RolloutUsageError(read.message);
  return read.parallel;
}

function agentPortOf(plan: Plan, host: string): number {
  return plan.hosts[host].agentPort ?? plan.agent.port;
}

/** Runs the command and returns its exit code; throws RolloutUsageError for a bad option. */
export async function executeRollout(planPath: string, options: RolloutCommandOptions, deps: RolloutCommandDeps): Promise<number> {
  const startedAt = Date.now();
  const mark = rolloutTrace(deps.env, deps.stderr, startedAt);
  mark?.('command started');
  const parallel = parseParallel(options.parallel);
  const json = options.json === true;

  // Plan problems: on stderr as `lvsctl validate` prints them, or, with --json, as the one document.
  const refuse = (problems: PlanProblem[]): number => {
    if (json) {
      deps.stdout.write(invalidPlanJson('rollout', planPath, problems, EXIT.invalid));
    } else {
      for (const line of problemLines(planPath, problems)) deps.stderr.write(`${line}\n`);
    }
    return EXIT.invalid;
  };
  // Warnings go to stderr, so that --json keeps stdout to its one document.
  const warn = (problems: PlanProblem[]): void => {
    for (const line of problemLines(planPath, problems.map((p) => ({ ...p, severity: 'warning' as const })))) deps.stderr.write(`${line}\n`);
  };

  const loaded = await deps.loadPlanFile(planPath);
  mark?.('plan loaded and validated');
  if (!loaded.ok) return refuse([...loaded.problems, ...(loaded.warnings ?? [])]);
  warn([...loaded.problems.filter(isWarning), ...(loaded.warnings ?? [])]);
  const plan = loaded.plan;
  const hostNames = Object.keys(plan.hosts);

  let limit: string[] | undefined;
  try {
    limit = checkedLimit(options.limit, hostNames, planPath);
  } catch (err) {
    throw new RolloutUsageError((err as Error).message);
  }

  const resolved = await deps.resolveAddresses(plan, options.sshConfig !== undefined ? { sshConfigPath: options.sshConfig } : {});
  const blocking = resolved.problems.filter((p) => !isWarning(p));
  if (blocking.length > 0) return refuse(resolved.problems);
  warn(resolved.problems.filter(isWarning));
  mark?.('addresses resolved');

  const plans = compileHostPlans(plan, resolved.addresses, 0);
  mark?.('host plans compiled');
  const targets = new Map<string, RolloutTarget>(
    hostNames.flatMap((h) => {
      const address = resolved.addresses.get(h);
      return address === undefined ? [] : [[h, { address, port: agentPortOf(plan, h) }] as const];
    }),
  );
  // One bound for the whole rollout: every call ends by then (docs/reliability.md).
  const deadline = options.bounds
    ? commandDeadline(startedAt, options.bounds, rolloutDeadlineMs(options.bounds.timeoutMs, targets.size, parallel))
    : undefined;
  const connector = mark ? tracedConnector(deps.makeConnector(deadline, mark), mark) : deps.makeConnector(deadline);
  mark?.('connector made');
  const mode = options.check ? 'check' : 'apply';
  const output = new BatchedOutput((t) => deps.stdout.write(t));
  const human = json
    ? undefined
    : new HumanReport({
      write: (t) => output.write(t), color: shouldUseColor(deps.stdout, deps.env), diff: options.diff === true, hosts: hostNames,
    });
  const jsonReport = json ? new JsonReport(options.diff === true) : undefined;
  human?.heading({ planPath, cluster: plan.cluster, mode });

  const summary = await runRollout({
    plans, targets, connector, mode, parallel,
    ...(limit ? { limit } : {}),
    ...(options.continueWithQuiesced ? { continueWithQuiesced: true } : {}),
    onEvent: (e) => {
      if (e.kind === 'phase') mark?.(`phase ${e.phase}`);
      human?.onEvent(e);
      jsonReport?.onEvent(e);
    },
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  mark?.('rollout done');
  const exitCode = rolloutExitCode(summary);
  human?.recap(summary);
  output.flush();
  if (jsonReport) jsonReport.writeTo((piece) => deps.stdout.write(piece), { plan: planPath, cluster: plan.cluster }, summary, exitCode);
  mark?.('report written');
  return exitCode;
}
