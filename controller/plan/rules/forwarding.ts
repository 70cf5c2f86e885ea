// Rule 9: DR and TUN deliver the packet unchanged, so they cannot remap ports: a
// realserver port other than the service's is an error. Port-0 and fwmark services
// have no single port to map from, so their realservers take no port (or 0).
import { toPointer, type PlanProblem } from '../errors';
import type { PlanView } from './view';

const FORWARDING_NAMES = { dr: 'DR (gatewaying)', tun: 'TUN (ipip)', nat: 'NAT (masquerading)' } as const;

export function forwardingProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    if (!s) return;
    const allPorts = s.fwmark !== undefined || s.port === 0;
    s.realservers.forEach((rs, k) => {
      if (rs.port === undefined || rs.port === 0) return;
      if (allPorts) {
        problems.push({
          pointer: realserverPointer(i, k),
          message: `a ${s.fwmark !== undefined ? 'firewall-mark' : 'port-0'} service forwards each connection to the port it came to; realserver port ${rs.port} cannot apply`,
          hint: 'remove "port" or set it to 0',
        });
      } else if (s.port !== undefined && rs.port !== s.port && s.forwarding !== 'nat') {
        problems.push({
          pointer: realserverPointer(i, k),
          message: `${FORWARDING_NAMES[s.forwarding]} cannot remap port ${s.port} to ${rs.port}: the packet reaches the realserver unchanged`,
          hint: `remove "port" or set it to ${s.port}; or use "forwarding": "nat"`,
        });
      }
    });
  });
  return problems;
}

/** Made for a problem only: a 2,000-service plan has 20,000 realservers and few problems. */
function realserverPointer(service: number, realserver: number): string {
  return toPointer(['services', service, 'realservers', realserver, 'port']);
}
