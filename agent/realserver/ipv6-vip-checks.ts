// What keeps an IPv6 DR realserver from answering neighbour solicitation for its VIP.
// Unlike ARP for IPv4 (answered for any local address on any interface unless arp_ignore
// says otherwise), Linux answers a neighbour solicitation only for an address of the
// interface it arrived on (ndisc_recv_ns looks the target up on that device), so the VIP
// as /128 on lo needs no sysctl, and lo runs no duplicate address detection (nodad is
// moot there). What still answers for it: the VIP on the facing interface (vip-checks.ts)
// and a proxy neighbour entry for it (`ip -6 neigh add proxy VIP dev eth0` with proxy_ndp
// and forwarding on), checked here. Prepare does not delete such an entry: someone made
// it on purpose, the operator decides.
import { byAddress, canonicalAddress } from '../../lvs/address';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { ProxyNeighbour } from '../kernel/neighbours';
import type { CheckResult } from './check-result';

export function proxyNeighbourChecks(plan: RealserverPlan, proxies: readonly ProxyNeighbour[]): CheckResult[] {
  const vips = [...new Set(plan.duties.filter((d) => d.forwarding !== 'nat').flatMap((d) => d.vips).filter((v) => v.includes(':')))];
  const proxiesOf = byAddress(proxies, (p) => p.address);
  return vips.map((vip) => {
    const base = { action: 'check-vip-not-proxied', target: vip };
    const entries = proxiesOf.get(canonicalAddress(vip)) ?? [];
    if (entries.length === 0) return { ...base, status: 'ok', message: `VIP ${vip} has no proxy neighbour entry, so no interface answers neighbour solicitation for it` };
    return {
      ...base,
      status: 'failed',
      message: `VIP ${vip} has a proxy neighbour entry on ${entries.map((e) => e.device).join(' and ')}: with proxy_ndp on, this host answers neighbour solicitation for the VIP there and takes its traffic from the director`,
      fix: entries.map((e) => `ip -6 neigh del proxy ${vip} dev ${e.device}`).join(' && '),
    };
  });
}
