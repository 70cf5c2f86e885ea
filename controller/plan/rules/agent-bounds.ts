// What each agent is sent must fit what it takes (lvs/wire/limits.ts), or the rollout would be
// refused by the agent after the plan passed validate: a director's share of the plan holds at
// most LIMITS.destinationsTotal realservers in all (a director outside every group is sent every
// service, one in a group its group's), a fwmark service's realservers are told at most
// LIMITS.addressesPerDuty addresses (the mark's destinations) to answer for, and a NAT
// service's realservers at most as many directors' addresses to route through.
import { LIMITS } from '../../../lvs/wire/limits';
import { toPointer, type PlanProblem } from '../errors';
import { servicesOfGatewayedGroups } from './nat-gateway';
import { directorShares, sharePointer } from './director-shares';
import type { PlanView } from './view';

export function agentBoundProblems(view: PlanView): PlanProblem[] {
  return [...directorShareProblems(view), ...markDestinationProblems(view), ...natDirectorProblems(view)];
}

function realserversOf(view: PlanView, indexes: Iterable<number>): number {
  let total = 0;
  for (const i of indexes) total += view.services[i]?.realservers.length ?? 0;
  return total;
}

function directorShareProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const share of directorShares(view)) {
    const total = realserversOf(view, share.serviceIndexes);
    if (total <= LIMITS.destinationsTotal) continue;
    const who = share.group ? `the directors of group "${share.group.name}"` : `director "${share.directors[0]}" (in no group: it is sent every service)`;
    problems.push({
      pointer: sharePointer(share),
      message: `${who} would hold ${total} realservers in all; a director agent takes at most ${LIMITS.destinationsTotal}`,
      hint: 'split the services over director groups, or the cluster into several plans',
    });
  }
  return problems;
}

function markDestinationProblems(view: PlanView): PlanProblem[] {
  const destinations = new Map<number, Set<string>>();
  for (const m of view.marks) {
    if (!m) continue;
    let set = destinations.get(m.mark);
    if (!set) destinations.set(m.mark, (set = new Set()));
    set.add(m.destination);
  }
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    const count = s?.fwmark !== undefined ? destinations.get(s.fwmark)?.size ?? 0 : 0;
    if (!s || count <= LIMITS.addressesPerDuty || s.realservers.length === 0) return;
    problems.push({
      pointer: toPointer(['services', i, 'fwmark']),
      message: `mark ${s.fwmark} has ${count} destinations, all of which each realserver of this service must answer for; a realserver agent takes at most ${LIMITS.addressesPerDuty}`,
      hint: 'split the mark\'s destinations over two marks and two services',
    });
  });
  return problems;
}

/**
 * A NAT realserver is told the address of every director of the plan to check its route
 * through one (compile.ts, natRouteAddresses), unless its service's group has a natGateway.
 */
function natDirectorProblems(view: PlanView): PlanProblem[] {
  const directors = [...view.hosts.values()].filter((h) => h.role === 'director').length;
  if (directors <= LIMITS.addressesPerDuty) return [];
  const gatewayed = servicesOfGatewayedGroups(view);
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    if (!s || s.forwarding !== 'nat' || s.realservers.length === 0 || gatewayed.has(i)) return;
    problems.push({
      pointer: toPointer(['services', i, 'forwarding']),
      message: `the realservers of this NAT service would be told the address of each of the plan's ${directors} directors, to check their route through one; a realserver agent takes at most ${LIMITS.addressesPerDuty}`,
      hint: 'serve it from a director group with a natGateway (its realservers then route through that one address), or split the cluster into several plans',
    });
  });
  return problems;
}
