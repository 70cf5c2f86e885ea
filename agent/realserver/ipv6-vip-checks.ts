// What keeps an IPv6 DR realserver from answering neighbour solicitation for its VIP.
// Unlike ARP for IPv4 (answered for any local address on any interface unless arp_ignore
// says otherwise), Linux answers a neighbour solicitation only for an address of the
// interface it arrived on (ndisc_recv_ns looks the target up on that device), so the VIP
// as /128 on lo needs no sysctl, and lo runs no duplicate address detection (nodad is
// moot there). What still answers for it: the VIP on the facing interface (vip-checks.ts)
// and a proxy neighbour entry for it (`ip -6 neigh add proxy VIP dev eth0` with proxy_ndp
// and forwarding on), checked here. Prepare does not delete such an entry: someone made
// it on purpose, the operator decides. The kernel answers for an entry only where the
// interface forwards IPv6 and proxy_ndp is on, for it or for all (ndisc_recv_ns): an entry
// on an interface where either is off answers nothing, and passes, named with the way to
// remove it before someone turns both on.
import { byAddress, canonicalAddress } from '../../lvs/address';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { ProxyNeighbour } from '../kernel/neighbours';
import { ipv6ConfKey, isInterfaceName, type SysctlKey } from '../kernel/sysctl';
import type { CheckResult } from './check-result';

/** What decides whether the entries' interfaces answer for them: read only when there are entries. */
export function proxySwitchKeysToRead(proxies: readonly ProxyNeighbour[]): SysctlKey[] {
  const devices = [...new Set(proxies.map((p) => p.device))].filter(isInterfaceName);
  if (devices.length === 0) return [];
  return [ipv6ConfKey('all', 'proxy_ndp'), ...devices.flatMap((d) => [ipv6ConfKey(d, 'forwarding'), ipv6ConfKey(d, 'proxy_ndp')])];
}

/** The kernel's test; a value not read (an odd device name, a read that failed) counts as on. */
function answersOn(device: string, sysctls: ReadonlyMap<SysctlKey, string | undefined>): boolean {
  if (!isInterfaceName(device)) return true;
  const on = (key: SysctlKey): boolean => sysctls.get(key) !== '0';
  return on(ipv6ConfKey(device, 'forwarding')) && (on(ipv6ConfKey('all', 'proxy_ndp')) || on(ipv6ConfKey(device, 'proxy_ndp')));
}

export function proxyNeighbourChecks(plan: RealserverPlan, proxies: readonly ProxyNeighbour[], sysctls: ReadonlyMap<SysctlKey, string | undefined>): CheckResult[] {
  const vips = [...new Set(plan.duties.filter((d) => d.forwarding !== 'nat').flatMap((d) => d.vips).filter((v) => v.includes(':')))];
  const proxiesOf = byAddress(proxies, (p) => p.address);
  return vips.map((vip) => {
    const base = { action: 'check-vip-not-proxied', target: vip };
    const entries = proxiesOf.get(canonicalAddress(vip)) ?? [];
    if (entries.length === 0) return { ...base, status: 'ok', message: `VIP ${vip} has no proxy neighbour entry, so no interface answers neighbour solicitation for it` };
    const removal = entries.map((e) => `ip -6 neigh del proxy ${vip} dev ${e.device}`).join(' && ');
    const answering = entries.filter((e) => answersOn(e.device, sysctls));
    if (answering.length === 0) {
      return {
        ...base,
        status: 'ok',
        message: `VIP ${vip} has a proxy neighbour entry on ${entries.map((e) => e.device).join(' and ')}, which answers no neighbour solicitation there ` +
          `while the interface does not forward IPv6 or proxy_ndp is off; turned on, it would take the VIP's traffic from the director (${removal} removes it)`,
      };
    }
    return {
      ...base,
      status: 'failed',
      message: `VIP ${vip} has a proxy neighbour entry on ${answering.map((e) => e.device).join(' and ')}, which forwards IPv6 with proxy_ndp on: ` +
        'this host answers neighbour solicitation for the VIP there and takes its traffic from the director',
      fix: removal,
    };
  });
}
