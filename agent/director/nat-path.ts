// An LVS-NAT director routes its realservers' answers back to the clients, and two kernel
// settings it does not write decide whether that works; neither shows in the IPVS table.
// Forwarding must be on. And on a one-armed director, where a NAT realserver's network and a
// VIP share an interface, the kernel must not send ICMP redirects: it would tell the realserver
// to reach the client directly, and the realserver's next answers then go out un-NATed and find
// no listener (seen in the lab: one request in six lost, now and then). Pure: the caller reads
// the interfaces and the sysctls (nat-path-ahead.ts). Redirects are IPv4's only (IPv6 has no
// such switch); an IPv6 LVS-NAT director needs IPv6 forwarding on, its own switch.
import { BlockList } from 'node:net';
import type { NetworkInterface } from '../kernel/addresses';
import { ipv4ConfKey, isInterfaceName, type Sysctl, type SysctlKey } from '../kernel/sysctl';
import type { DirectorPlan } from '../../lvs/host-plan';
import { isIpv6 } from '../../lvs/model';

/** What the director reads for the check: its interfaces with their addresses, and sysctls. */
export interface NatPathReader {
  interfaces(): Promise<NetworkInterface[]>;
  sysctl: Pick<Sysctl, 'read'>;
}

/** An interface that holds a NAT VIP and has a NAT realserver on its own network. */
export interface OneArmedInterface {
  device: string;
  vip: string;
  realserver: string;
}

export const IP_FORWARD = 'net.ipv4.ip_forward';
export const ALL_SEND_REDIRECTS = 'net.ipv4.conf.all.send_redirects';
export const IP6_FORWARD = 'net.ipv6.conf.all.forwarding';

/** True when the plan has an IPv4 LVS-NAT realserver (stops at the first). */
export function planHasNat(plan: DirectorPlan): boolean {
  return hasNatRealserver(plan, false);
}

/** True when the plan has an IPv6 LVS-NAT realserver (stops at the first). */
export function planHasNat6(plan: DirectorPlan): boolean {
  return hasNatRealserver(plan, true);
}

function hasNatRealserver(plan: DirectorPlan, ipv6: boolean): boolean {
  for (const s of plan.services) {
    for (const r of s.realservers) if (r.destination.forwarding === 'nat' && isIpv6(r.destination.address) === ipv6) return true;
  }
  return false;
}

/**
 * The interfaces holding a NAT service's VIP (a firewall-mark service's: its mark rules'
 * destinations) with one of its NAT realservers on their own networks. A director in a VRRP
 * group counts the group's moving addresses as held on its VRRP interface, master or backup
 * (a backup's redirects would lose answers from the moment it takes over); otherwise a VIP the
 * director does not hold places no interface. One pass over the services, ending early only
 * once every interface with an address is placed; each realserver address is placed once per
 * interface (a 2,000-service plan names 20,000 destinations, mostly the same few hosts).
 * Not seen: a VIP on lo or a dummy device with the clients' route out through the realservers'
 * interface (docs/director.md).
 */
export function oneArmedInterfaces(plan: DirectorPlan, interfaces: readonly NetworkInterface[]): OneArmedInterface[] {
  const holders = new Map<string, { device: string; networks: BlockList; placed: Map<string, boolean> }>();
  for (const i of interfaces) {
    // a name the sysctl tree cannot take (never the kernel's usual ones) is left out, not a failure
    if (!isInterfaceName(i.name)) continue;
    const own = i.addresses.filter((a) => a.family === 'inet');
    const networks = new BlockList();
    // a /32 (a VIP) is no network: only the interface's wider addresses place a realserver
    for (const a of own) if (a.prefixlen < 32) networks.addSubnet(a.local, a.prefixlen, 'ipv4');
    const holder = { device: i.name, networks, placed: new Map<string, boolean>() };
    for (const a of own) holders.set(a.local, holder);
    if (plan.vrrp?.interface === i.name) for (const a of plan.vrrp.addresses) if (!isIpv6(a)) holders.set(a, holder);
  }
  const devices = new Set([...holders.values()].map((h) => h.device)).size;
  const markVips = new Map<number, string[]>();
  for (const rule of plan.marks) {
    if (isIpv6(rule.destination)) continue;
    const vips = markVips.get(rule.mark);
    if (vips) vips.push(rule.destination);
    else markVips.set(rule.mark, [rule.destination]);
  }
  const found = new Map<string, OneArmedInterface>();
  for (const s of plan.services) {
    if (found.size === devices) break;
    const { key } = s.service;
    const vips = key.kind === 'fwmark' ? markVips.get(key.mark) ?? [] : [key.vip];
    for (const vip of vips) {
      const holder = holders.get(vip);
      if (holder === undefined || found.has(holder.device)) continue;
      const realserver = s.realservers.find((r) => r.destination.forwarding === 'nat' && onNetworks(holder, r.destination.address));
      if (realserver !== undefined) found.set(holder.device, { device: holder.device, vip, realserver: realserver.destination.address });
    }
  }
  return [...found.values()];
}

function onNetworks(holder: { networks: BlockList; placed: Map<string, boolean> }, address: string): boolean {
  let on = holder.placed.get(address);
  if (on === undefined) {
    on = !isIpv6(address) && holder.networks.check(address, 'ipv4');
    holder.placed.set(address, on);
  }
  return on;
}

/** What the check reads, taken before the plan is known (at the hello that announces an apply). */
export interface NatPathReading {
  interfaces: NetworkInterface[];
  /** IP_FORWARD, ALL_SEND_REDIRECTS, the send_redirects of every interface with an IPv4 address, IP6_FORWARD */
  values: ReadonlyMap<SysctlKey, string | undefined>;
}

/** The sysctls a reading takes for these interfaces. */
export function natPathKeys(interfaces: readonly NetworkInterface[]): SysctlKey[] {
  const devices = interfaces.filter((i) => isInterfaceName(i.name) && i.addresses.some((a) => a.family === 'inet'));
  return [IP_FORWARD, ALL_SEND_REDIRECTS, ...devices.map((i) => ipv4ConfKey(i.name, 'send_redirects')), IP6_FORWARD];
}

/**
 * The notices for a plan with NAT from a reading: for IPv4 NAT (planHasNat) natPathNotices of
 * its one-armed interfaces, for IPv6 NAT (planHasNat6) IPv6 forwarding off.
 */
export function natPathNoticesOf(plan: DirectorPlan, reading: NatPathReading): string[] {
  const notices = planHasNat(plan) ? natPathNotices(oneArmedInterfaces(plan, reading.interfaces), reading.values) : [];
  // absent (IPv6 off in this kernel): no IPv6 service could have been applied either
  if (planHasNat6(plan) && reading.values.get(IP6_FORWARD) === '0') {
    notices.push(`${IP6_FORWARD} is 0: this director will not route its IPv6 LVS-NAT realservers' answers back to the clients; fix: sysctl -w ${IP6_FORWARD}=1`);
  }
  return notices;
}

/** What would lose NAT answers, each with its fix; empty when nothing would. */
export function natPathNotices(oneArmed: readonly OneArmedInterface[], values: ReadonlyMap<SysctlKey, string | undefined>): string[] {
  const notices: string[] = [];
  if (values.get(IP_FORWARD) === '0') {
    notices.push(`${IP_FORWARD} is 0: this director will not route its LVS-NAT realservers' answers back to the clients; fix: sysctl -w ${IP_FORWARD}=1`);
  }
  const all = values.get(ALL_SEND_REDIRECTS);
  for (const o of oneArmed) {
    const key = ipv4ConfKey(o.device, 'send_redirects');
    const own = values.get(key);
    // the kernel sends them where `all` or the device says so
    if (all !== '1' && own !== '1') continue;
    const off = [...(all === '1' ? [`${ALL_SEND_REDIRECTS}=0`] : []), ...(own === '1' ? [`${key}=0`] : [])];
    notices.push(
      `${o.device} holds VIP ${o.vip} and reaches LVS-NAT realserver ${o.realserver} on its own network, and sends ICMP redirects ` +
        `(${ALL_SEND_REDIRECTS}=${all ?? '?'}, ${key}=${own ?? '?'}): a realserver told to reach a client directly answers it un-NATed, ` +
        `and that request gets no answer; fix: sysctl -w ${off.join(' ')}`,
    );
  }
  return notices;
}
