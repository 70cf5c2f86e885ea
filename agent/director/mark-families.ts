// Mark rules per address family: IPv4 rules live in iptables' mangle table, IPv6 rules in
// ip6tables', each family with its own owned chain LVSCTL-MARK and its own jump, read,
// swapped and rolled back on its own. Pure.
import { isIpv6, type MarkRule } from '../../lvs/model';

export type MarkFamily = 'inet' | 'inet6';

export function rulesOfFamily(rules: readonly MarkRule[], family: MarkFamily): MarkRule[] {
  return rules.filter((rule) => isIpv6(rule.destination) === (family === 'inet6'));
}

/** How reports name a family's chain: the IPv4 one as it always was, the IPv6 one with its tool. */
export function chainLabel(chain: string, family: MarkFamily): string {
  return family === 'inet6' ? `${chain} (ip6tables)` : chain;
}
