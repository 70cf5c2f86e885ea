// Rule 4: no two services with the same (protocol, vip, port) or the same fwmark, and
// service names unique. One map per identity, so 10,000 services stay linear.
import { formatAddressPort } from '../../../lvs/model';
import { toPointer, type PlanProblem } from '../errors';
import { canonicalAddress } from '../../../lvs/address';
import type { PlanView } from './view';

export function uniquenessProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const byName = new Map<string, number>();
  const byKey = new Map<string, number>();
  view.services.forEach((s, i) => {
    if (!s) return;
    const firstNamed = byName.get(s.name);
    if (firstNamed === undefined) byName.set(s.name, i);
    else {
      problems.push({
        pointer: toPointer(['services', i, 'name']),
        message: `service name "${s.name}" is already used by /services/${firstNamed}`,
        hint: 'give each service its own name',
      });
    }
    let key: string | undefined;
    let what = '';
    if (s.fwmark !== undefined) {
      key = `fwmark ${s.fwmark}`;
      what = `fwmark ${s.fwmark}`;
    } else if (s.vip !== undefined && s.port !== undefined) {
      const protocol = s.protocol ?? 'tcp';
      key = `${protocol} ${formatAddressPort(canonicalAddress(s.vip), s.port)}`;
      what = `${protocol} ${formatAddressPort(s.vip, s.port)}`;
    }
    if (key === undefined) return;
    const first = byKey.get(key);
    if (first === undefined) byKey.set(key, i);
    else {
      problems.push({
        pointer: toPointer(['services', i, s.fwmark !== undefined ? 'fwmark' : 'port']),
        message: `${what} is already the service /services/${first} ("${view.services[first]?.name}")`,
        hint: 'IPVS holds one virtual service per address and port, or per mark: merge their realservers into one service',
      });
    }
  });
  return problems;
}
