// LVS-NAT over IPv6: the realserver must not follow ICMPv6 redirects. A one-armed director (the
// VIP and the realservers behind one interface) sends their answers on through the interface
// they came in by, and the kernel then tells the realserver, with a redirect, to reach the
// client directly. IPv6 has no switch on the director to stop that (IPv4's send_redirects,
// docs/director.md); a realserver that follows it answers the client un-NATed, from its own
// address, and the client drops the answer (seen in the lab: every connection after the first
// stuck in SYN_RECV). The kernel reads the receiving interface's own accept_redirects only,
// not "all" (rt6_do_redirect): the interface of the route to the director. prepare sets it to 0.
// An interface that forwards IPv6 follows no redirect whatever its accept_redirects says (the
// same test in rt6_do_redirect), so there the check passes and says why.
import { ipv6ConfKey, isInterfaceName, type SysctlKey } from '../kernel/sysctl';
import type { RealserverPlan } from '../../lvs/host-plan';
import { isIpv6 } from '../../lvs/model';
import { someNames } from '../../lvs/some-names';
import type { CheckResult } from './check-result';
import type { DefaultRoute } from '../kernel/routes';

/** The IPv6 LVS-NAT services among the duties (a NAT service's VIP and destination share a family). */
function ipv6NatServices(plan: RealserverPlan): string[] {
  return plan.duties.filter((d) => d.forwarding === 'nat' && d.vips.some(isIpv6)).map((d) => d.service);
}

/**
 * Where a director's redirect would arrive: the devices of the IPv6 default routes (the way to
 * the director's gateway), else the interface holding the realserver's address.
 */
export function redirectDevices(facing: string | undefined, defaultRoutes: readonly DefaultRoute[]): string[] {
  const routed = defaultRoutes.flatMap((r) => (r.gateway !== undefined && isIpv6(r.gateway) && r.device !== undefined ? [r.device] : []));
  const devices = routed.length > 0 ? [...new Set(routed)] : facing !== undefined ? [facing] : [];
  return devices.filter(isInterfaceName);
}

/** The keys the check reads: each such device's accept_redirects, when there is an IPv6 NAT duty. */
export function redirectKeysToRead(plan: RealserverPlan, devices: readonly string[]): SysctlKey[] {
  return ipv6NatServices(plan).length > 0 ? devices.map((device) => ipv6ConfKey(device, 'accept_redirects')) : [];
}

/** Read beside them, never set: whether each such device forwards IPv6 (then it follows no redirect). */
export function forwardingKeysToRead(plan: RealserverPlan, devices: readonly string[]): SysctlKey[] {
  return ipv6NatServices(plan).length > 0 ? devices.map((device) => ipv6ConfKey(device, 'forwarding')) : [];
}

export function redirectChecks(plan: RealserverPlan, values: ReadonlyMap<SysctlKey, string | undefined>, devices: readonly string[]): CheckResult[] {
  const services = ipv6NatServices(plan);
  // without a device the address or route check has failed already, naming it
  if (services.length === 0) return [];
  return devices.map((device): CheckResult => {
    const key = ipv6ConfKey(device, 'accept_redirects');
    const base = { action: 'check-accept_redirects', target: key };
    const raw = values.get(key);
    if (raw === '0') return { ...base, status: 'ok', message: `${key} is 0` };
    const forwarding = ipv6ConfKey(device, 'forwarding');
    const forwards = values.get(forwarding);
    if (forwards !== undefined && forwards !== '0') {
      return { ...base, status: 'ok', message: `${key} is ${raw ?? 'unreadable'}, but ${forwarding} is ${forwards}: the kernel follows no redirect on an interface that forwards` };
    }
    return {
      ...base,
      status: 'failed',
      message: `${key} is ${raw ?? 'unreadable'}: IPv6 LVS-NAT (service ${someNames(services)}) needs 0, so that an ICMPv6 redirect from a one-armed ` +
        'director cannot send the answers straight to the client, un-NATed',
      fix: `sysctl -w ${key}=0`,
      remedies: [{ kind: 'sysctl', key, value: '0' }],
    };
  });
}
