// What an agent says it can do (HelloReply.capabilities), where a plan needs more than every
// agent since the wire format began: an older agent would drop the new fields unread (proto3
// keeps no unknown field) and apply something else with an "ok". The controller refuses such
// a host before anything is applied, naming the upgrade. Pure.
import type { HostPlan } from './host-plan';
import { isIpv6 } from './model';

export const CAPABILITIES = {
  /** keepalived's natGateway on its own device (natGatewayInterface), not the VRRP one */
  natGatewayInterface: 'vrrp-nat-gateway-interface',
  /** a group that moves only IPv6 addresses as an IPv6 keepalived instance (VRRPv3) */
  ipv6Instance: 'vrrp-ipv6-instance',
} as const;

export interface NeededCapability {
  capability: string;
  /** what in the plan needs it, and what an agent without it would do */
  why: string;
}

export function capabilitiesNeeded(plan: HostPlan): NeededCapability[] {
  if (plan.role !== 'director' || !plan.vrrp) return [];
  const { vrrp } = plan;
  const needed: NeededCapability[] = [];
  if (vrrp.natGatewayOn) {
    needed.push({ capability: CAPABILITIES.natGatewayInterface, why: `group "${vrrp.group}" puts natGateway on ${vrrp.natGatewayOn.interface}; an older agent puts it on ${vrrp.interface}, where a failover's gratuitous ARP reaches no realserver` });
  }
  if (vrrp.addresses.length > 0 && vrrp.addresses.every(isIpv6)) {
    needed.push({ capability: CAPABILITIES.ipv6Instance, why: `group "${vrrp.group}" moves only IPv6 addresses; an older agent writes a keepalived.conf with no VIP, which keepalived refuses` });
  }
  return needed;
}

/** The needed capabilities an agent did not name. */
export function missingCapabilities(plan: HostPlan, has: readonly string[]): NeededCapability[] {
  const named = new Set(has);
  return capabilitiesNeeded(plan).filter((n) => !named.has(n.capability));
}
