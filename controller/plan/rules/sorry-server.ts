// The sorry server and the all-down policy: a sorry server only makes sense with a health
// check (nothing else ever finds every realserver down), speaks the service's address
// family, is not one of its realservers (it would be the same IPVS destination twice, and
// down with them) nor the VIP, and follows the realservers' port rules. With a sorry
// server, "allDown" has nothing left to decide, so the two together are refused.
import { toPointer, type PlanProblem } from '../errors';
import type { PlanService } from '../schema';
import { familyName } from './address';
import { canonicalAddress, familyOf } from '../../../lvs/address';
import { serviceFamilies } from './service-family';
import type { PlanView } from './view';

const FORWARDING_NAMES = { dr: 'DR (gatewaying)', tun: 'TUN (ipip)', nat: 'NAT (masquerading)' } as const;

export function sorryServerProblems(view: PlanView): PlanProblem[] {
  const given = new Map<string, string>();
  for (const [name, host] of view.hosts) if (host.address !== undefined) given.set(name, host.address);
  return [...sorryServerShapeProblems(view), ...sorryServerAddressProblems(view, given)];
}

/** The rules that need no realserver address: health check, allDown, family, VIP, port. */
function sorryServerShapeProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const familyOfService = serviceFamilies(view);
  view.services.forEach((s, i) => {
    const sorry = s?.sorryServer;
    if (!s || !sorry) return;
    const at = (...path: (string | number)[]): string => toPointer(['services', i, ...path]);
    if (!s.healthCheck) {
      problems.push({
        pointer: at('sorryServer'),
        message: `service "${s.name}" has a sorry server but no health check: nothing would ever find its realservers down, so the sorry server would never serve`,
        hint: 'add "healthCheck": { "type": "tcp" } to the service, or remove "sorryServer"',
      });
    } else if (s.healthCheck.allDown !== undefined) {
      problems.push({
        pointer: at('healthCheck', 'allDown'),
        message: `"allDown": "${s.healthCheck.allDown}" does not apply with a sorry server: when every realserver is down they are all quiesced and the sorry server takes new connections`,
        hint: 'remove "allDown", or remove "sorryServer" to keep the last realserver or quiesce them all instead',
      });
    }
    const family = familyOfService(s);
    if (family !== undefined && familyOf(sorry.address) !== family) {
      problems.push({
        pointer: at('sorryServer', 'address'),
        message: `${familyName(family)} service "${s.name}" cannot forward to the ${familyName(familyOf(sorry.address))} sorry server ${sorry.address}`,
        hint: `give the sorry server an ${familyName(family)} address`,
      });
    }
    if (s.vip !== undefined && canonicalAddress(s.vip) === canonicalAddress(sorry.address)) {
      problems.push({
        pointer: at('sorryServer', 'address'),
        message: `the sorry server ${sorry.address} is the service's own VIP: connections would be forwarded back to the director`,
        hint: 'give the address of a host that answers while the realservers are down',
      });
    }
    const portProblem = sorryPortProblem(s, sorry.port);
    if (portProblem) problems.push({ pointer: at('sorryServer', 'port'), ...portProblem });
  });
  return problems;
}

/** The same port rules as for realservers (rule 9). */
function sorryPortProblem(s: PlanService, port: number | undefined): Omit<PlanProblem, 'pointer'> | undefined {
  // 0, as for a realserver, means the port of the service (or of each connection).
  if (port === undefined || port === 0) return undefined;
  if (s.fwmark !== undefined || s.port === 0) {
    return {
      message: `a ${s.fwmark !== undefined ? 'firewall-mark' : 'port-0'} service forwards each connection to the port it came to; sorry server port ${port} cannot apply`,
      hint: 'remove "port" or set it to 0',
    };
  }
  if (s.port !== undefined && port !== s.port && s.forwarding !== 'nat') {
    return {
      message: `${FORWARDING_NAMES[s.forwarding]} cannot remap port ${s.port} to ${port} for the sorry server: the packet reaches it unchanged`,
      hint: `remove "port" or set it to ${s.port}; or use "forwarding": "nat"`,
    };
  }
  return undefined;
}

/**
 * A sorry server that is one of the service's realservers, by address: `addresses` maps
 * host names to addresses (those written in the plan for validatePlan; the resolved ones
 * after ~/.ssh/config and DNS for the CLI). Hosts without a known address are skipped.
 */
export function sorryServerAddressProblems(view: PlanView, addresses: ReadonlyMap<string, string>): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    const sorry = s?.sorryServer;
    if (!s || !sorry) return;
    const wanted = canonicalAddress(sorry.address);
    const same = s.realservers.find((rs) => {
      const address = addresses.get(rs.host);
      return address !== undefined && canonicalAddress(address) === wanted;
    });
    if (!same) return;
    problems.push({
      pointer: toPointer(['services', i, 'sorryServer', 'address']),
      message: `the sorry server ${sorry.address} is realserver "${same.host}" of service "${s.name}": it would be down exactly when it is needed`,
      hint: `give the address of a host outside the service's realservers, or remove "${same.host}" from them`,
    });
  });
  return problems;
}
