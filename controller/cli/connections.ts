// lvsctl connections PLAN [--json] [--client IP] [--vip IP] [--realserver HOST|IP] [--limit N]:
// wires the real loader, resolver and gRPC reader into controller/fleet/connections-command.ts.
import type { Command } from 'commander';
import type { ConnectionsCommandOptions } from '../fleet/connections-command';
import { addAgentOptions, deadlineOptionsFrom, type AgentConnectionOptions } from './agent-options';
import { readerConnectorFromOptions } from './fleet-connector';
import { loadPlanIo } from './plan-io';
import { addExitCodes, fleetExitCodes } from './exit-help';


export function register(program: Command): void {
  const command = program
    .command('connections')
    .description('every director\'s connection table (ipvsadm -Lcn), persistence templates included')
    .argument('<plan>', 'the plan.json whose directors to ask')
    .option('--json', 'one JSON document on stdout, nothing else')
    .option('--client <IP>', 'only entries of this client address')
    .option('--vip <IP>', 'only entries of this virtual address')
    .option('--realserver <HOST|IP>', 'only entries to this realserver (a host of the plan or an address)')
    .option('--limit <N>', 'at most N entries per director (default 10000)');
  addAgentOptions(command, '--timeout × (one per 20 directors + 1)');
  addExitCodes(command, fleetExitCodes('every director answered', 'an agent answered with an error (its connection table could not be read)'));
  command.action(async (planPath: string, flags: ConnectionsCommandOptions) => {
    const [{ loadPlanFile, resolveAddresses }, { executeConnections }] = await Promise.all([loadPlanIo(), import('../fleet/connections-command')]);
    const { json, client, vip, realserver, limit, sshConfig } = flags;
    process.exitCode = await executeConnections(
      planPath,
      {
        ...(json ? { json: true } : {}), ...(client !== undefined ? { client } : {}), ...(vip !== undefined ? { vip } : {}),
        ...(realserver !== undefined ? { realserver } : {}), ...(limit !== undefined ? { limit } : {}), ...(sshConfig !== undefined ? { sshConfig } : {}),
        bounds: deadlineOptionsFrom(command.opts<AgentConnectionOptions>()),
      },
      {
        loadPlanFile, resolveAddresses, stdout: process.stdout, stderr: process.stderr,
        makeConnector: (deadline) => readerConnectorFromOptions(command.opts<AgentConnectionOptions>(), deadline),
      },
    );
  });
}
