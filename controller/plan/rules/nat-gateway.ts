// "natGateway" belongs to directors, and speaks the family of the NAT services whose
// realservers route through it (an IPv4 default route cannot point at an IPv6 address).
import { familyOf } from '../../../lvs/address';
import { toPointer, type PlanProblem } from '../errors';
import { familyName } from './address';
import { serviceFamilies } from './service-family';
import type { PlanView } from './view';
import { groupServiceIndexes } from '../director-groups';
import { appendAll } from '../../../lvs/append';

export function natGatewayProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const familyOfService = serviceFamilies(view);
  const natServices = view.services.flatMap((s, i) => (s && s.forwarding === 'nat' ? [{ s, i }] : []));
  for (const [name, host] of view.hosts) {
    if (host.natGateway === undefined) continue;
    const pointer = toPointer(['hosts', name, 'natGateway']);
    if (host.role !== 'director') {
      problems.push({
        pointer,
        message: `"natGateway" is a director's field, and "${name}" is a realserver`,
        hint: `move it to the director whose inside address it is (/hosts/DIRECTOR/natGateway), or remove it`,
      });
      continue;
    }
    const gatewayFamily = familyOf(host.natGateway);
    const other = natServices.find(({ s }) => {
      const family = familyOfService(s);
      return family !== undefined && family !== gatewayFamily;
    });
    if (other) {
      const family = familyOfService(other.s) ?? gatewayFamily;
      problems.push({
        pointer,
        message: `${familyName(gatewayFamily)} natGateway ${host.natGateway} cannot be the default route of the ${familyName(family)} LVS-NAT service "${other.s.name}" (/services/${other.i})`,
        hint: `give the director an ${familyName(family)} natGateway, or keep NAT services of one family per plan`,
      });
    }
  }
  appendAll(problems, gatewayFamilyProblems(view, familyOfService));
  return problems;
}

/**
 * A NAT realserver checks its default route against the gateways of the plan's directors
 * (each one's natGateway, else its agent address: compile.ts, natRouteAddresses), unless its
 * service's group has a natGateway. An IPv6 NAT service behind directors that all have IPv4
 * addresses (or the reverse) would have its realservers check the wrong family's route:
 * refused, naming the director field that fixes it. Hosts resolved later (no "address") are
 * not judged here.
 */
function gatewayFamilyProblems(view: PlanView, familyOfService: ReturnType<typeof serviceFamilies>): PlanProblem[] {
  const gateways: string[] = [];
  for (const host of view.hosts.values()) {
    if (host.role !== 'director') continue;
    const gateway = host.natGateway ?? host.address;
    if (gateway === undefined) return [];
    gateways.push(gateway);
  }
  if (gateways.length === 0) return [];
  const grouped = servicesOfGatewayedGroups(view);
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    if (!s || s.forwarding !== 'nat' || grouped.has(i)) return;
    const family = familyOfService(s);
    if (family === undefined || gateways.some((g) => familyOf(g) === family)) return;
    problems.push({
      pointer: toPointer(['services', i, 'forwarding']),
      message: `the realservers of this ${familyName(family)} LVS-NAT service must route their replies through a director, and no director has an ${familyName(family)} address to route through (${gateways.join(', ')})`,
      hint: `give a director an ${familyName(family)} "natGateway" (its address on the realservers' network), or serve the service by LVS-DR`,
    });
  });
  return problems;
}

/** The services (indexes) of director groups with a natGateway: their realservers route through that one address. */
export function servicesOfGatewayedGroups(view: PlanView): Set<number> {
  const gatewayed = new Set<number>();
  view.groups.forEach((g) => {
    if (g?.natGateway) for (const i of groupServiceIndexes(g, view.groups, view.services)) gatewayed.add(i);
  });
  return gatewayed;
}
