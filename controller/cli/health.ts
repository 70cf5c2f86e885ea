// lvsctl health PLAN [--watch] [--json]: wires the real loader, resolver and gRPC reader
// into controller/fleet/health-command.ts. --watch runs until Ctrl-C (SIGINT) or SIGTERM.
import type { Command } from 'commander';
import { addAgentOptions, deadlineOptionsFrom, type AgentConnectionOptions } from './agent-options';
import { readerConnectorFromOptions } from './fleet-connector';
import { onStdoutClosed } from './closed-output';
import { loadPlanIo } from './plan-io';
import { addExitCodes, fleetExitCodes } from './exit-help';


interface HealthFlags {
  watch?: boolean;
  json?: boolean;
  sshConfig?: string;
}

export function register(program: Command): void {
  const command = program
    .command('health')
    .description('every agent\'s health: each service × realserver on the directors (state, weight, connections, last check, reason) and each realserver\'s own checks')
    .argument('<plan>', 'the plan.json whose agents to ask')
    .option('--watch', 'keep streaming: every transition and changed check as it happens, until Ctrl-C, or until no agent is left to watch (each one unreachable or refused: exit 3 or 2)')
    .option('--json', 'one JSON document on stdout (with --watch: one JSON object a line)');
  addAgentOptions(command, '--timeout × (one per 20 agents + 1); with --watch: none, it runs until Ctrl-C');
  addExitCodes(command, fleetExitCodes('every agent answered and all is healthy (with --watch: stopped by Ctrl-C)', 'a realserver is down, a realserver\'s own check failed, a director could not read its IPVS table, a director group is in trouble (split brain, no master, tables that differ), or an agent answered with an error'));
  command.action(async (planPath: string, flags: HealthFlags) => {
    const [{ loadPlanFile, resolveAddresses }, { executeHealth, READER_WENT_AWAY }] = await Promise.all([loadPlanIo(), import('../fleet/health-command')]);
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    // a watch whose reader went away (health --watch | grep -m1 down) ends as by Ctrl-C
    const unwatchStdout = flags.watch ? onStdoutClosed(() => abort.abort(READER_WENT_AWAY)) : undefined;
    if (flags.watch) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    try {
      process.exitCode = await executeHealth(
        planPath,
        {
          ...(flags.watch ? { watch: true } : {}), ...(flags.json ? { json: true } : {}), ...(flags.sshConfig !== undefined ? { sshConfig: flags.sshConfig } : {}),
          bounds: deadlineOptionsFrom(command.opts<AgentConnectionOptions>()),
        },
        {
          loadPlanFile, resolveAddresses, stdout: process.stdout, stderr: process.stderr, signal: abort.signal,
          makeConnector: (deadline) => readerConnectorFromOptions(command.opts<AgentConnectionOptions>(), deadline),
        },
      );
    } finally {
      unwatchStdout?.();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}
