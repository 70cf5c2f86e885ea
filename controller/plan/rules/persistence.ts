// Persistence netmask: a contiguous IPv4 netmask for IPv4 services, a prefix length
// 1..128 for IPv6 ones (ipvsadm -M takes "255.255.255.0" or "64").
import { toPointer, type PlanProblem } from '../errors';
import { isIpv4Netmask, isIpv6Prefix } from './address';
import { serviceFamilies } from './service-family';
import type { PlanView } from './view';

export function persistenceProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const familyOf = serviceFamilies(view);
  view.services.forEach((s, i) => {
    const netmask = s?.persistence?.netmask;
    if (!s || netmask === undefined) return;
    const pointer = toPointer(['services', i, 'persistence', 'netmask']);
    if (familyOf(s) === 'inet6') {
      if (!isIpv6Prefix(netmask)) {
        problems.push({ pointer, message: `"${netmask}" is not an IPv6 prefix length for this IPv6 service`, hint: 'write a prefix length 1..128 as a string, e.g. "64"; absent means "128", per client' });
      }
    } else if (!isIpv4Netmask(netmask)) {
      problems.push({ pointer, message: `"${netmask}" is not an IPv4 netmask`, hint: 'write a contiguous netmask such as "255.255.255.0"; absent means "255.255.255.255", per client' });
    }
  });
  return problems;
}
