// lvsctl status PLAN [--json]: wires the real loader, resolver and gRPC reader into
// controller/fleet/status-command.ts.
import type { Command } from 'commander';
import { addAgentOptions, deadlineOptionsFrom, type AgentConnectionOptions } from './agent-options';
import { readerConnectorFromOptions } from './fleet-connector';
import { loadPlanIo } from './plan-io';
import { addExitCodes, fleetExitCodes } from './exit-help';


export function register(program: Command): void {
  const command = program
    .command('status')
    .description('every director\'s live IPVS table with counters (ipvsadm -Ln --stats) and the plan\'s names, and its drift from the plan')
    .argument('<plan>', 'the plan.json whose directors to ask')
    .option('--json', 'one JSON document on stdout, nothing else');
  addAgentOptions(command, '--timeout × (one per 20 directors + 1)');
  addExitCodes(command, fleetExitCodes('every director answered and its table matches the plan', 'a director drifted from the plan, a director group is in trouble (split brain, no master, tables that differ), or an agent answered with an error (its table could not be read)'));
  command.action(async (planPath: string, flags: { json?: boolean; sshConfig?: string }) => {
    const [{ loadPlanFile, resolveAddresses }, { executeStatus }] = await Promise.all([loadPlanIo(), import('../fleet/status-command')]);
    process.exitCode = await executeStatus(
      planPath,
      {
        ...(flags.json ? { json: true } : {}), ...(flags.sshConfig !== undefined ? { sshConfig: flags.sshConfig } : {}),
        bounds: deadlineOptionsFrom(command.opts<AgentConnectionOptions>()),
      },
      {
        loadPlanFile, resolveAddresses, stdout: process.stdout, stderr: process.stderr,
        makeConnector: (deadline) => readerConnectorFromOptions(command.opts<AgentConnectionOptions>(), deadline),
      },
    );
  });
}
