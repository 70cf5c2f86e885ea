// The director-group part of compile: which services and marks each director of a group
// gets, and its keepalived VRRP. Pure, over a validated plan.
import type { VrrpPlan } from '../../lvs/vrrp';
import { groupAddresses, groupPriorities, groupServiceIndexes } from './director-groups';
import type { Plan, PlanDirectorGroup } from './schema';

export interface CompiledGroup {
  group: PlanDirectorGroup;
  /** indexes into plan.services */
  serviceIndexes: number[];
  addresses: string[];
}

/** Each group with its services and moving addresses, in plan order. */
export function compileGroups(plan: Plan): CompiledGroup[] {
  const groups = plan.directorGroups ?? [];
  return groups.map((group) => {
    const serviceIndexes = groupServiceIndexes(group, groups, plan.services);
    return { group, serviceIndexes, addresses: groupAddresses(group, serviceIndexes.map((i) => plan.services[i]), plan.marks) };
  });
}

/** director host name → its group */
export function groupOfDirector(groups: readonly CompiledGroup[]): Map<string, CompiledGroup> {
  return new Map(groups.flatMap((g) => g.group.directors.map((d) => [d, g] as const)));
}

export function vrrpPlanOf(compiled: CompiledGroup, director: string): VrrpPlan {
  const { group } = compiled;
  return {
    group: group.name,
    interface: group.interface,
    virtualRouterId: group.virtualRouterId,
    priority: groupPriorities(group).get(director) ?? 100,
    advertIntervalSeconds: group.advertInterval,
    ...(group.authentication ? { authPassword: group.authentication.password } : {}),
    addresses: compiled.addresses,
    ...(group.natGateway && group.natGatewayInterface && group.natGatewayInterface !== group.interface
      ? { natGatewayOn: { address: group.natGateway, interface: group.natGatewayInterface } }
      : {}),
    preempt: group.failback,
    syncInterface: group.sync.interface ?? group.interface,
    syncId: group.sync.syncId ?? group.virtualRouterId,
    takeOverConfig: group.takeOverKeepalivedConfig,
  };
}

/** service index → the group that serves it */
export function groupOfService(groups: readonly CompiledGroup[]): Map<number, CompiledGroup> {
  return new Map(groups.flatMap((g) => g.serviceIndexes.map((i) => [i, g] as const)));
}
