// `lvsctl connections PLAN [--json] [--client IP] [--vip IP] [--realserver HOST|IP] [--limit N]`:
// every director's connection table (ipvsadm -Lcn), templates included, filtered on the agent.
import { isIP } from 'net';
import { DEFAULT_CONNECTION_LIMIT, MAX_CONNECTION_LIMIT, type ConnectionEntry, type ConnectionFilter } from '../../lvs/formats/ipvs-connections';
import { invalidPlanJson } from '../report/invalid-plan-json';
import { CliError, EXIT } from '../exit-codes';
import { renderConnections } from '../report/connections-table';
import { writeJsonPieces } from '../../lvs/json-pieces';
import { askAgents, fleetExitCode } from './ask-agents';
import { answerJson, fleetDeadline, fleetPlanOrRefusal, namesOf, type FleetCommandDeps, type FleetCommonOptions } from './commands';

export interface ConnectionsCommandOptions extends FleetCommonOptions {
  client?: string;
  vip?: string;
  /** a host name of the plan or an address */
  realserver?: string;
  limit?: string;
}

function address(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (isIP(value) === 0) throw new CliError(`${flag} ${JSON.stringify(value)}: must be an IPv4 or IPv6 address, e.g. ${flag} 10.0.0.200`, EXIT.invalid);
  return value;
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CONNECTION_LIMIT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_CONNECTION_LIMIT) throw new CliError(`--limit ${JSON.stringify(text)}: must be 1..${MAX_CONNECTION_LIMIT}`, EXIT.invalid);
  return n;
}

export async function executeConnections(planPath: string, options: ConnectionsCommandOptions, deps: FleetCommandDeps): Promise<number> {
  const startedAt = Date.now();
  let limit: number;
  let client: string | undefined;
  let vip: string | undefined;
  try {
    limit = limitOf(options.limit);
    client = address('--client', options.client);
    vip = address('--vip', options.vip);
  } catch (error) {
    // --json: the one document on stdout says it too, as for --realserver
    if (options.json && error instanceof CliError) deps.stdout.write(invalidPlanJson('connections', planPath, [{ pointer: '', message: error.message }], EXIT.invalid));
    throw error;
  }
  const fleet = await fleetPlanOrRefusal('connections', planPath, options, deps);
  if ('exitCode' in fleet) return fleet.exitCode;
  let realserver: string | undefined;
  if (options.realserver !== undefined) {
    realserver = isIP(options.realserver) ? options.realserver : fleet.addresses.get(options.realserver);
    const role = fleet.plan.hosts[options.realserver]?.role;
    if (!realserver || (role !== undefined && role !== 'realserver')) {
      const known = Object.entries(fleet.plan.hosts).filter(([, h]) => h.role === 'realserver').map(([n]) => n);
      const message = `--realserver ${JSON.stringify(options.realserver)}: not a realserver of ${planPath} nor an address; realservers: ${known.join(', ')}`;
      // --json: the one document on stdout says it too
      if (options.json) deps.stdout.write(invalidPlanJson('connections', planPath, [{ pointer: '', message }], EXIT.invalid));
      throw new CliError(message, EXIT.invalid);
    }
  }
  const filter: ConnectionFilter = { limit, ...(client ? { client } : {}), ...(vip ? { vip } : {}), ...(realserver ? { realserver } : {}) };
  const directors = fleet.targets.filter((t) => t.role === 'director');
  const connector = deps.makeConnector(fleetDeadline(startedAt, options, directors.length));
  const answers = await askAgents(directors, connector, (reader) => reader.connections(filter));
  const exitCode = fleetExitCode(answers);
  const names = namesOf(fleet);
  if (options.json) {
    const hosts = answers.map((a) => answerJson(a, (entries: ConnectionEntry[]) => ({
      connections: entries.map((e) => ({ ...e, ...(names.host(e.destination.address) ? { realserver: names.host(e.destination.address) } : {}) })),
      truncated: entries.length >= limit,
    })));
    // a piece at a time: a million connections from each of several directors is more than one string holds
    writeJsonPieces({ command: 'connections', plan: planPath, filter, hosts, exitCode }, (piece) => deps.stdout.write(piece));
  } else {
    deps.stdout.write(renderConnections(answers, names, limit));
  }
  return exitCode;
}
