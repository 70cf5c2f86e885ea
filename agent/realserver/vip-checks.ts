// Where a DR or TUN realserver holds its VIPs: on lo (or a dummy device; for TUN on
// tunl0) as a single address (/32, /128), and never on an interface that answers ARP
// (or IPv6 neighbour discovery) for it, which would take the VIP's traffic from the director.
import { byAddress, canonicalAddress } from '../../lvs/address';
import type { NetworkInterface } from '../kernel/addresses';
import type { RealserverPlan } from '../../lvs/host-plan';
import { fullPrefix, type CheckResult, type Remedy } from './check-result';
import { TUNNEL_DEVICE } from './sysctl-checks';

function isLoopback(i: NetworkInterface): boolean {
  return i.name === 'lo' || i.linkType === 'loopback';
}

function isTunnel(i: NetworkInterface): boolean {
  return i.name === TUNNEL_DEVICE;
}

/**
 * A device that holds a VIP without answering ARP for it on the network. tunl0 is one for
 * either method (a NOARP device): a VIP that a DR and a TUN service share sits on lo and tunl0.
 */
function quietPlace(i: NetworkInterface): boolean {
  return isLoopback(i) || i.kind === 'dummy' || isTunnel(i);
}

interface VipHolder {
  device: NetworkInterface;
  prefixlen: number;
}

/** Who holds each address, by its canonical spelling: a realserver in 10,000 DR services looks up 10,000 VIPs among as many addresses on lo. */
function holdersByAddress(interfaces: readonly NetworkInterface[]): Map<string, (VipHolder & { local: string })[]> {
  return byAddress(interfaces.flatMap((device) => device.addresses.map((a) => ({ device, prefixlen: a.prefixlen, local: a.local }))), (h) => h.local);
}

/** Each distinct (method, VIP) of the DR and TUN duties, with the services that need it. */
function vipDuties(plan: RealserverPlan): Array<{ method: 'dr' | 'tun'; vip: string; services: string[] }> {
  const byKey = new Map<string, { method: 'dr' | 'tun'; vip: string; services: string[] }>();
  for (const duty of plan.duties) {
    if (duty.forwarding === 'nat') continue;
    for (const vip of duty.vips) {
      const key = `${duty.forwarding} ${vip}`;
      const entry = byKey.get(key) ?? { method: duty.forwarding, vip, services: [] };
      entry.services.push(duty.service);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()];
}

export function addressCheck(plan: RealserverPlan, facing: NetworkInterface | undefined): CheckResult {
  const base = { action: 'check-address', target: plan.address };
  if (facing) return { ...base, status: 'ok', message: `${plan.address} is on ${facing.name}, the interface facing the directors` };
  return {
    ...base,
    status: 'failed',
    message: `no interface of host ${plan.host} holds ${plan.address}, the address the directors send its traffic to`,
    fix: `give this host the address ${plan.address}, or correct hosts.${plan.host}.address in plan.json`,
  };
}

export function tunnelCheck(plan: RealserverPlan, interfaces: readonly NetworkInterface[]): CheckResult[] {
  if (!plan.duties.some((d) => d.forwarding === 'tun' && d.vips.some((v) => !v.includes(':')))) return [];
  const base = { action: 'check-tunnel', target: TUNNEL_DEVICE };
  const tunnel = interfaces.find(isTunnel);
  if (!tunnel) {
    return [{
      ...base,
      status: 'failed',
      message: `there is no ${TUNNEL_DEVICE}: LVS-TUN realservers need the ipip device to unwrap the director's packets (the ipip module is not loaded)`,
      fix: `modprobe ipip && ip link set ${TUNNEL_DEVICE} up`,
      remedies: [{ kind: 'ipip-module' }, { kind: 'link-up', device: TUNNEL_DEVICE }],
    }];
  }
  if (!tunnel.up) {
    return [{
      ...base,
      status: 'failed',
      message: `${TUNNEL_DEVICE} is down: LVS-TUN realservers need it up to unwrap the director's packets`,
      fix: `ip link set ${TUNNEL_DEVICE} up`,
      remedies: [{ kind: 'link-up', device: TUNNEL_DEVICE }],
    }];
  }
  return [{ ...base, status: 'ok', message: `${TUNNEL_DEVICE} is up` }];
}

export function vipChecks(plan: RealserverPlan, interfaces: readonly NetworkInterface[], facing: NetworkInterface | undefined): CheckResult[] {
  const results: CheckResult[] = [];
  const holdersOf = holdersByAddress(interfaces);
  for (const { method, vip, services } of vipDuties(plan)) {
    const label = method === 'dr' ? 'LVS-DR' : 'LVS-TUN';
    const of = `VIP ${vip} (service ${services.join(', ')})`;
    if (method === 'tun' && vip.includes(':')) {
      results.push({ action: 'check-vip', target: vip, status: 'skipped', message: `${of}: IPv6 LVS-TUN (ip6tnl) is not verified by this agent` });
      continue;
    }
    const holders: VipHolder[] = holdersOf.get(canonicalAddress(vip)) ?? [];
    results.push(placementCheck(method, vip, of, label, holders, interfaces));
    results.push(quietCheck(method, vip, of, holders, facing));
  }
  return results;
}

function placementCheck(method: 'dr' | 'tun', vip: string, of: string, label: string, holders: VipHolder[], interfaces: readonly NetworkInterface[]): CheckResult {
  const base = { action: 'check-vip', target: vip };
  const prefix = fullPrefix(vip);
  const quiet = holders.filter((h) => quietPlace(h.device));
  const good = quiet.find((h) => h.prefixlen === prefix && (h.device.up || isLoopback(h.device)));
  // a wider holder first, even beside a /prefix one: its route makes the network local all the same
  const wide = quiet.find((h) => h.prefixlen !== prefix);
  if (wide) {
    return {
      ...base,
      status: 'failed',
      message: `${of} is on ${wide.device.name} as /${wide.prefixlen}${good ? ` (and as /${prefix} on ${good.device.name})` : ''}: anything wider than /${prefix} there makes the whole network local to this host, so it cannot reach its neighbours`,
      fix: good ? `ip addr del ${vip}/${wide.prefixlen} dev ${wide.device.name}` : `ip addr del ${vip}/${wide.prefixlen} dev ${wide.device.name} && ip addr add ${vip}/${prefix} dev ${wide.device.name}`,
    };
  }
  if (good) return { ...base, status: 'ok', message: `${of} is on ${good.device.name} as /${prefix}` };
  const down = quiet.find((h) => !h.device.up);
  if (down) {
    return {
      ...base,
      status: 'failed',
      message: `${of} is on ${down.device.name}, which is down, so the address is not in use`,
      fix: `ip link set ${down.device.name} up`,
      ...(isTunnel(down.device) ? { remedies: [{ kind: 'link-up', device: down.device.name } as Remedy] } : {}),
    };
  }
  const device = method === 'dr' ? 'lo' : TUNNEL_DEVICE;
  const needsModule = method === 'tun' && !interfaces.some(isTunnel);
  const remedies: Remedy[] = [...(needsModule ? [{ kind: 'ipip-module' } as Remedy] : []), { kind: 'address', device, address: vip, prefixlen: prefix }];
  return {
    ...base,
    status: 'failed',
    message: `${of} is not on ${device === 'lo' ? 'lo (or a dummy device)' : device}: ${label} realservers must hold it there as /${prefix} to accept the packets the director forwards`,
    fix: `${needsModule ? 'modprobe ipip && ' : ''}ip addr add ${vip}/${prefix} dev ${device}`,
    remedies,
  };
}

function quietCheck(method: 'dr' | 'tun', vip: string, of: string, holders: VipHolder[], facing: NetworkInterface | undefined): CheckResult {
  const base = { action: 'check-vip-not-announced', target: vip };
  const loud = holders.filter((h) => !quietPlace(h.device));
  const protocol = vip.includes(':') ? 'neighbour discovery' : 'ARP';
  if (loud.length === 0) return { ...base, status: 'ok', message: `${of} is on no interface that answers ${protocol} for it` };
  const where = loud.map((h) => (h.device.name === facing?.name ? `${h.device.name} (the interface facing the directors)` : h.device.name));
  return {
    ...base,
    status: 'failed',
    message: `${of} is on ${where.join(' and ')}: that interface answers ${protocol} for the VIP and takes its traffic from the director`,
    fix: loud.map((h) => `ip addr del ${vip}/${h.prefixlen} dev ${h.device.name}`).join(' && '),
  };
}
