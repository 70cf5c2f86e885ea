// lvsctl connections PLAN [--json] [--client IP] [--vip IP] [--realserver HOST|IP] [--limit N]:
// wires the real loader, resolver and gRPC reader into controller/fleet/connections-command.ts.
import type { Command } from 'commander';
import type { ConnectionsCommandOptions } from '../fleet/connections-command';
import { addAgentOptions, deadlineOptionsFrom, type AgentConnectionOptions } from './agent-options';
import { readerConnectorFromOptions } from './fleet-connector';

/** What the command's action loads when it runs, so --help and the other commands start without it. */
async function loadWork() {
  const [{ loadPlanFile }, { resolveAddresses }, { executeConnections }] = await Promise.all([
    import('../plan/load'), import('../inventory/resolve'), import('../fleet/connections-command'),
  ]);
  return { loadPlanFile, resolveAddresses, executeConnections };
}

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
  command.action(async (planPath: string, flags: ConnectionsCommandOptions) => {
    const { loadPlanFile, resolveAddresses, executeConnections } = await loadWork();
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
