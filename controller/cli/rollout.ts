// lvsctl rollout PLAN: wires the real plan loader, address resolver and gRPC connector
// into the rollout command (controller/rollout/command.ts), and its result into the exit code.
import type { Command } from 'commander';
import type { RolloutCommandOptions } from './rollout-command';
import { addAgentOptions, connectorFromOptions, deadlineOptionsFrom, type AgentConnectionOptions } from './agent-options';
import { DEFAULT_PARALLEL, MAX_PARALLEL } from './rollout-defaults';
import { loadPlanIo } from './plan-io';
import { rolloutTrace } from './rollout-trace';
import { CliError, EXIT } from '../exit-codes';
import { addExitCodes, fleetExitCodes } from './exit-help';

/** The command line's flags: the rollout's options less the bounds, which come from --timeout and --deadline. */
type RolloutFlags = Omit<RolloutCommandOptions, 'bounds'>;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  const command = program
    .command('rollout')
    .description('push the plan: realservers verified first, then directors applied; streams each step, ends with a recap per host')
    .argument('<plan>', 'the plan.json to roll out (- reads it from standard input)')
    .option('--check', 'change nothing: every agent says what would change')
    .option('--diff', 'show before/after of the IPVS table, the mark rules and realserver settings')
    .option('--limit <hosts>', 'only these hosts, comma separated, repeatable (a director\'s realservers are still verified, read-only)', collect)
    .option('--parallel <n>', `at most N agents connected to or applied at once, 1 to ${MAX_PARALLEL} (default ${DEFAULT_PARALLEL})`)
    .option('--json', 'print one JSON document (events and recap) on stdout, nothing else')
    .option('--continue-with-quiesced', 'apply the directors even when realservers did not pass, those at weight 0');
  addAgentOptions(command, '30m for the applies, plus --timeout for every --parallel agents connected');
  addExitCodes(command, fleetExitCodes('every host ok or changed (with --check: nothing failed)', 'at least one host failed (a failure beats an unreachable host)'));
  command.action(async (planPath: string, flags: RolloutFlags) => {
    const agentOptions = command.opts<AgentConnectionOptions>();
    const actionAt = Date.now();
    // loaded when the command runs, so --help and the other commands start without them
    const [{ loadPlanFile, resolveAddresses }, { executeRollout, RolloutUsageError }] = await Promise.all([loadPlanIo(), import('./rollout-command')]);
    rolloutTrace(process.env, process.stderr, actionAt)?.('rollout modules loaded');
    try {
      process.exitCode = await executeRollout(
        planPath,
        {
          ...(flags.check ? { check: true } : {}),
          ...(flags.diff ? { diff: true } : {}),
          ...(flags.limit ? { limit: flags.limit } : {}),
          ...(flags.parallel !== undefined ? { parallel: flags.parallel } : {}),
          ...(flags.json ? { json: true } : {}),
          ...(flags.continueWithQuiesced ? { continueWithQuiesced: true } : {}),
          ...(flags.sshConfig !== undefined ? { sshConfig: flags.sshConfig } : {}),
          bounds: deadlineOptionsFrom(agentOptions),
        },
        {
          loadPlanFile,
          resolveAddresses,
          // without --diff the agents are asked not to render the before/after text nobody shows
          makeConnector: (deadline, trace) => connectorFromOptions(agentOptions, deadline, process.env, trace, { omitDiff: flags.diff !== true }),
          stdout: process.stdout,
          stderr: process.stderr,
          env: process.env,
        },
      );
    } catch (err) {
      if (err instanceof RolloutUsageError) {
        // --json: the one document on stdout says it too (the message also goes to stderr)
        if (flags.json) {
          const { invalidPlanJson } = await import('../report/invalid-plan-json');
          process.stdout.write(invalidPlanJson('rollout', planPath, [{ pointer: '', message: err.message }], EXIT.invalid));
        }
        throw new CliError(err.message, EXIT.invalid);
      }
      throw err;
    }
  });
}
