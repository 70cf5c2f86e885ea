// "natGateway" belongs to directors, and speaks the family of the NAT services whose
// realservers route through it (an IPv4 default route cannot point at an IPv6 address).
import { familyOf } from '../../../lvs/address';
import { toPointer, type PlanProblem } from '../errors';
import { familyName } from './address';
import { serviceFamilies } from './service-family';
import type { PlanView } from './view';

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
  return problems;
}
