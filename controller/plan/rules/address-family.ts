// A service and its realservers speak one address family: IPVS cannot forward an IPv4
// VIP to an IPv6 realserver (and the other way round). Checked wherever a realserver's
// address is known: from "address" in the plan, or after resolution.
import { toPointer, type PlanProblem } from '../errors';
import { familyName } from './address';
import { familyOf } from '../../../lvs/address';
import { serviceFamilies } from './service-family';
import type { PlanView } from './view';

/** Problems for every realserver whose address in `addresses` (host → address) differs in family from its service. */
export function addressFamilyProblems(view: PlanView, addresses: ReadonlyMap<string, string>): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const familyOfService = serviceFamilies(view);
  view.services.forEach((s, i) => {
    if (!s) return;
    const family = familyOfService(s);
    if (!family) return;
    s.realservers.forEach((rs, k) => {
      const address = addresses.get(rs.host);
      if (address === undefined || familyOf(address) === family) return;
      problems.push({
        pointer: toPointer(['services', i, 'realservers', k, 'host']),
        message: `${familyName(family)} service "${s.name}" cannot forward to ${familyName(familyOf(address))} realserver "${rs.host}" (${address})`,
        hint: `give /hosts/${rs.host} an ${familyName(family)} address, or put it in a service of its own family`,
      });
    });
  });
  return problems;
}

/** The rule as validatePlan runs it: with the addresses written in the plan. */
export function plannedAddressFamilyProblems(view: PlanView): PlanProblem[] {
  const given = new Map<string, string>();
  for (const [name, host] of view.hosts) if (host.address !== undefined) given.set(name, host.address);
  return addressFamilyProblems(view, given);
}
