// What lvsctl health, status and connections share: the deps a command runs with (tests
// pass in-memory ones), the names of a plan for printing, and the plan-refused exit.
import type { AgentReaderConnector } from '../client/agent-reader';
import { commandDeadline, readsDeadlineMs, type CommandDeadline, type DeadlineOptions } from '../client/command-deadline';
import { serviceKeyString } from '../../lvs/model';
import { invalidPlanJson } from '../report/invalid-plan-json';
import type { Names } from '../report/status-table';
import { DEFAULT_FLEET_PARALLEL } from './ask-agents';
import { FleetPlanRefused, loadFleetPlan, type FleetPlan, type FleetPlanDeps } from './plan-targets';

export interface FleetCommandDeps extends FleetPlanDeps {
  /** called once the plan is known good: building it may read certificate files */
  makeConnector(deadline?: CommandDeadline): AgentReaderConnector;
  stdout: { write(text: string): unknown };
  now?: () => Date;
}

export interface FleetCommonOptions {
  json?: boolean;
  sshConfig?: string;
  /** --timeout and --deadline; without them (tests) the calls have no command deadline */
  bounds?: DeadlineOptions;
}

/** Plan names for addresses and service keys, to print names where the kernel has numbers. */
export function namesOf(fleet: FleetPlan): Names {
  const byAddress = new Map<string, string>();
  for (const [host, address] of fleet.addresses) if (!byAddress.has(address)) byAddress.set(address, host);
  const byService = new Map(fleet.services.map((s) => [serviceKeyString(s.service.key), s.name]));
  return { host: (a) => byAddress.get(a), service: (id) => byService.get(id) };
}

export function answerJson<T>(a: { host: string; role: string; ok: boolean; value?: T; kind?: string; reason?: string }, value: (v: T) => unknown): unknown {
  return a.ok
    ? { host: a.host, role: a.role, ok: true, ...(value(a.value as T) as object) }
    : { host: a.host, role: a.role, ok: false, [a.kind ?? 'failed']: true, status: a.kind, reason: a.reason };
}

/** The bound of a read-only command that asks `hosts` agents (docs/reliability.md). */
export function fleetDeadline(startedAt: number, options: FleetCommonOptions, hosts: number): CommandDeadline | undefined {
  if (!options.bounds) return undefined;
  return commandDeadline(startedAt, options.bounds, readsDeadlineMs(options.bounds.timeoutMs, hosts, DEFAULT_FLEET_PARALLEL));
}

/**
 * The plan of a health, status or connections command, or its exit code when the plan is
 * refused: its problems on stderr, or with --json as the one document on stdout, as
 * `rollout --json` prints it (on one line for a watch, whose every object is a line).
 */
export async function fleetPlanOrRefusal(
  command: string,
  planPath: string,
  options: FleetCommonOptions & { watch?: boolean },
  deps: FleetPlanDeps & { stdout: { write(text: string): unknown } },
): Promise<FleetPlan | { exitCode: number }> {
  try {
    return await loadFleetPlan(planPath, deps, { ...(options.sshConfig !== undefined ? { sshConfig: options.sshConfig } : {}), quiet: options.json === true });
  } catch (err) {
    if (!(err instanceof FleetPlanRefused)) throw err;
    if (options.json) deps.stdout.write(invalidPlanJson(command, planPath, err.problems, err.exitCode, options.watch === true));
    return { exitCode: err.exitCode };
  }
}
