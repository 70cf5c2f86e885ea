// From a plan file to the agents to ask: load and validate the plan, resolve every host's
// address (plan, ssh config, DNS), compile what each director should hold. Problems refuse
// the command with exit 1 as `lvsctl validate` prints them; warnings go to stderr.
import type { DirectorService } from '../../lvs/host-plan';
import { EXIT } from '../exit-codes';
import { compileDirectorServices } from '../plan/compile';
import { compileGroups, groupOfDirector } from '../plan/compile-groups';
import { isWarning, problemLines, type PlanProblem } from '../plan/errors';
import type { Plan } from '../plan/schema';
import type { PlanLoadResult } from '../plan/load-result';

export interface FleetTarget {
  host: string;
  role: 'director' | 'realserver';
  address: string;
  port: number;
}

export interface FleetPlan {
  plan: Plan;
  targets: FleetTarget[];
  /** host name → resolved address */
  addresses: ReadonlyMap<string, string>;
  /** every service of the plan (a director outside every group holds them all) */
  services: DirectorService[];
  /** what one director should hold: its group's share, or every service */
  servicesOf(director: string): DirectorService[];
  /** the plan's director groups: name, directors */
  groups: Array<{ name: string; directors: string[] }>;
}

export interface FleetPlanDeps {
  loadPlanFile(path: string): Promise<PlanLoadResult>;
  resolveAddresses(plan: Plan, options: { sshConfigPath?: string }): Promise<{ addresses: Map<string, string>; problems: PlanProblem[] }>;
  stderr: { write(text: string): unknown };
}

/**
 * The plan could not be used; its problems (warnings among them) were printed on stderr, or,
 * with `quiet`, are left to the caller's --json document; the command ends with `exitCode`.
 */
export class FleetPlanRefused extends Error {
  readonly exitCode = EXIT.invalid;
  constructor(readonly problems: PlanProblem[]) {
    super(`the plan has ${problems.length} problem(s)`);
  }
}

export async function loadFleetPlan(planPath: string, deps: FleetPlanDeps, options: { sshConfig?: string; quiet?: boolean } = {}): Promise<FleetPlan> {
  const refuse = (problems: PlanProblem[]): FleetPlanRefused => {
    if (!options.quiet) for (const line of problemLines(planPath, problems)) deps.stderr.write(`${line}\n`);
    return new FleetPlanRefused(problems);
  };
  const loaded = await deps.loadPlanFile(planPath);
  if (!loaded.ok) throw refuse([...loaded.problems, ...(loaded.warnings ?? [])]);
  const plan = loaded.plan;
  const resolved = await deps.resolveAddresses(plan, options.sshConfig !== undefined ? { sshConfigPath: options.sshConfig } : {});
  const blocking = resolved.problems.filter((p) => !isWarning(p));
  if (blocking.length > 0) throw refuse(resolved.problems);
  const targets: FleetTarget[] = Object.entries(plan.hosts).flatMap(([host, spec]) => {
    const address = resolved.addresses.get(host);
    return address === undefined ? [] : [{ host, role: spec.role, address, port: spec.agentPort ?? plan.agent.port }];
  });
  const services = compileDirectorServices(plan, resolved.addresses);
  const groups = compileGroups(plan);
  const byDirector = groupOfDirector(groups);
  return {
    plan, targets, addresses: resolved.addresses, services,
    servicesOf: (director) => byDirector.get(director)?.serviceIndexes.map((i) => services[i]) ?? services,
    groups: groups.map((g) => ({ name: g.group.name, directors: [...g.group.directors] })),
  };
}
