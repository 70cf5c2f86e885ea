// A director's hand commands: the classic `iptables -t mangle -A PREROUTING … -j MARK` and
// `ipvsadm -A/-a` lines, made from the same compiled DirectorPlan the agent applies.
import { plannedDestinations, type DirectorPlan } from '../../lvs/host-plan';
import { renderIpvsState } from '../../lvs/formats/ipvsadm-format';
import { isIpv6, type IpvsService, type MarkRule } from '../../lvs/model';
import { uniqueLines } from './host-commands';

/** The plan's services as the kernel table the director is to hold. */
export function directorTable(plan: DirectorPlan): IpvsService[] {
  return plan.services.map((s) => ({ service: s.service, destinations: plannedDestinations(s) }));
}

/** `iptables -t mangle -A PREROUTING -i eth0 -p tcp -d VIP -m multiport --dport 80,443 -j MARK --set-mark 1`, as written by hand. */
export function handMarkCommand(rule: MarkRule): string {
  const tool = isIpv6(rule.destination) ? 'ip6tables' : 'iptables';
  const iface = rule.inInterface !== undefined ? ` -i ${rule.inInterface}` : '';
  const ports = rule.ports.length === 1 ? `--dport ${rule.ports[0]}` : `-m multiport --dport ${rule.ports.join(',')}`;
  return `${tool} -t mangle -A PREROUTING${iface} -p ${rule.protocol} -d ${rule.destination} ${ports} -j MARK --set-mark ${rule.mark}`;
}

function vipsOf(plan: DirectorPlan): string[] {
  const vips = plan.services.flatMap(({ service: { key } }) =>
    key.kind === 'fwmark' ? plan.marks.filter((m) => m.mark === key.mark).map((m) => m.destination) : [key.vip],
  );
  return uniqueLines(vips);
}

export function directorCommands(plan: DirectorPlan): string[] {
  const lines: string[] = [];
  const vips = vipsOf(plan);
  if (plan.vrrp) {
    lines.push(`# group ${plan.vrrp.group}: keepalived (VRRP id ${plan.vrrp.virtualRouterId}, priority ${plan.vrrp.priority}) moves ${plan.vrrp.addresses.join(', ')} to the master; lvsctl-agent writes its keepalived.conf (docs/ha.md)`);
  } else if (vips.length > 0) {
    lines.push(`# the director must hold ${vips.join(', ')} (lvsctl does not move VIPs: keepalived or ip addr add does)`);
  }
  if (plan.services.some((s) => s.realservers.some((r) => r.destination.forwarding === 'nat'))) {
    // LVS-NAT answers pass back through the director: it routes them. Where they come in and go
    // out through one interface, the kernel would otherwise send each realserver an ICMP redirect
    // to the client, which the realserver then answers directly, un-NATed: a lost request.
    lines.push('sysctl -w net.ipv4.ip_forward=1');
    lines.push('sysctl -w net.ipv4.conf.all.send_redirects=0');
    lines.push('sysctl -w net.ipv4.conf.default.send_redirects=0');
    // the kernel sends them where `all` or the device says so: a device's own 1 still counts
    lines.push('# and net.ipv4.conf.DEVICE.send_redirects=0 for each interface the NAT realservers are reached through');
  }
  // one push a line, not push(...lines): 20,000 services × 10 are 220,000 lines, past what a spread call takes
  for (const rule of plan.marks) lines.push(handMarkCommand(rule));
  for (const line of renderIpvsState(directorTable(plan)).split('\n')) if (line !== '') lines.push(`ipvsadm ${line}`);
  return lines;
}
