// Pure decisions of prepare mode: what it would set (the remedies of failed checks),
// what the plan still wants it to hold, and which of its earlier changes to undo.
import type { AddressChange, NetworkInterface } from '../kernel/addresses';
import { ipv4ConfKey } from '../kernel/sysctl';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { OwnedAddress, OwnedSysctl, RealserverOwned } from '../state/realserver-owned';
import { fullPrefix, type CheckResult, type Remedy } from './check-result';
import { TUNNEL_DEVICE } from './sysctl-checks';
import { redirectDevices, redirectKeysToRead } from './redirect-checks';
import type { DefaultRoute } from '../kernel/routes';
import { canonicalAddress } from '../../lvs/address';

/** An owned address as one text, the address in the kernel's spelling: a record written from a plan that spelt it otherwise is the same address. */
export function addressId(a: OwnedAddress): string {
  return `${a.device} ${canonicalAddress(a.address)}/${a.prefixlen}`;
}

/** Every address the interfaces hold, by addressId: one lookup each, where a scan per address is quadratic at 10,000 VIPs on lo. */
export function heldAddresses(interfaces: readonly NetworkInterface[]): Set<string> {
  const held = new Set<string>();
  for (const i of interfaces) for (const x of i.addresses) held.add(addressId({ device: i.name, address: x.local, prefixlen: x.prefixlen }));
  return held;
}

/** The remedies of the failed checks, each once, in the order they must run (module first, sysctls last). */
export function collectRemedies(checks: readonly CheckResult[]): Remedy[] {
  const seen = new Map<string, Remedy>();
  for (const check of checks) {
    if (check.status !== 'failed') continue;
    for (const r of check.remedies ?? []) seen.set(JSON.stringify(r), r);
  }
  const order: Remedy['kind'][] = ['ipip-module', 'link-up', 'address', 'sysctl'];
  return [...seen.values()].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

export interface WantedByPlan {
  addresses: Set<string>;
  links: Set<string>;
  sysctlKeys: Set<string>;
}

/** Everything prepare may hold for this plan; what it owns outside this is undone. */
export function wantedByPlan(plan: RealserverPlan, facing: string | undefined, defaultRoutes: readonly DefaultRoute[] = []): WantedByPlan {
  const wanted: WantedByPlan = { addresses: new Set(), links: new Set(), sysctlKeys: new Set() };
  let arp = false;
  let tun = false;
  for (const duty of plan.duties) {
    if (duty.forwarding === 'nat') continue;
    for (const vip of duty.vips) {
      const ipv4 = !vip.includes(':');
      if (duty.forwarding === 'tun' && !ipv4) continue;
      const device = duty.forwarding === 'dr' ? 'lo' : TUNNEL_DEVICE;
      wanted.addresses.add(addressId({ device, address: vip, prefixlen: fullPrefix(vip) }));
      arp ||= ipv4;
      tun ||= duty.forwarding === 'tun';
    }
  }
  if (arp) {
    for (const dev of ['all', 'lo', ...(facing ? [facing] : [])]) {
      wanted.sysctlKeys.add(ipv4ConfKey(dev, 'arp_ignore'));
      wanted.sysctlKeys.add(ipv4ConfKey(dev, 'arp_announce'));
    }
  }
  if (tun) {
    wanted.links.add(TUNNEL_DEVICE);
    wanted.sysctlKeys.add(ipv4ConfKey('all', 'rp_filter'));
    wanted.sysctlKeys.add(ipv4ConfKey(TUNNEL_DEVICE, 'rp_filter'));
  }
  // IPv6 LVS-NAT: accept_redirects of the route's device toward the director
  for (const key of redirectKeysToRead(plan, redirectDevices(facing, defaultRoutes))) wanted.sysctlKeys.add(key);
  return wanted;
}

export interface StaleOwned {
  addresses: OwnedAddress[];
  links: string[];
  sysctls: OwnedSysctl[];
}

export function staleOwned(owned: RealserverOwned, wanted: WantedByPlan): StaleOwned {
  return {
    addresses: owned.addresses.filter((a) => !wanted.addresses.has(addressId(a))),
    links: owned.links.filter((l) => !wanted.links.has(l)),
    sysctls: owned.sysctls.filter((s) => !wanted.sysctlKeys.has(s.key)),
  };
}

export function isEmptyStale(s: StaleOwned): boolean {
  return s.addresses.length === 0 && s.links.length === 0 && s.sysctls.length === 0;
}

/** One undo decision: a change to make, or an item to forget because someone else changed it since. */
export type UndoItem = (
  | { kind: 'address'; owned: OwnedAddress; change?: AddressChange }
  | { kind: 'link'; device: string; change?: AddressChange }
  | { kind: 'sysctl'; owned: OwnedSysctl; restore?: readonly [string, string] }
) & {
  /** what it does ("remove …") or, for an item only forgotten, why */
  note: string;
  /** the same in the past tense, once done ("removed …") */
  done?: string;
};

/**
 * How to undo what prepare set and the plan dropped, judged on the current kernel: only
 * what is still as prepare left it is changed back; the rest is forgotten, untouched.
 */
export function planUndo(stale: StaleOwned, interfaces: readonly NetworkInterface[], sysctls: ReadonlyMap<string, string | undefined>): UndoItem[] {
  const items: UndoItem[] = [];
  const removed = new Set(stale.addresses.map(addressId));
  const held = heldAddresses(interfaces);
  for (const a of stale.addresses) {
    const present = held.has(addressId(a));
    items.push(present
      ? { kind: 'address', owned: a, change: { op: 'delete-address', ...a }, ...verb(`${a.address}/${a.prefixlen} from ${a.device}: set by an earlier prepare, no longer in the plan`, 'remove', 'removed') }
      : { kind: 'address', owned: a, note: `${a.address}/${a.prefixlen} is no longer on ${a.device}; forgotten` });
  }
  for (const device of stale.links) {
    const dev = interfaces.find((i) => i.name === device);
    const others = dev?.addresses.filter((x) => !removed.has(addressId({ device, address: x.local, prefixlen: x.prefixlen }))) ?? [];
    if (!dev || !dev.up) items.push({ kind: 'link', device, note: `${device} is already down or gone; forgotten` });
    else if (others.length > 0) items.push({ kind: 'link', device, note: `${device} left up: it holds addresses prepare did not set (${others.map((x) => x.local).join(', ')}); forgotten` });
    else items.push({ kind: 'link', device, change: { op: 'link-down', device }, ...verb(`${device} down: brought up by an earlier prepare, no longer in the plan`, 'bring', 'brought') });
  }
  for (const s of stale.sysctls) {
    const now = sysctls.get(s.key);
    items.push(now === s.value
      ? { kind: 'sysctl', owned: s, restore: [s.key, s.previous] as const, ...verb(`${s.key} to ${s.previous}: set to ${s.value} by an earlier prepare, no longer needed by the plan`, 'restore', 'restored') }
      : { kind: 'sysctl', owned: s, note: `${s.key} is ${now ?? 'gone'}, not the ${s.value} prepare set: left as it is; forgotten` });
  }
  return items;
}

function verb(rest: string, present: string, past: string): { note: string; done: string } {
  return { note: `${present} ${rest}`, done: `${past} ${rest}` };
}
