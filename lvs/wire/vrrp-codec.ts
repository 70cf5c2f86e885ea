// VrrpPlan and VrrpStatus ↔ their proto messages; the plan is validated at the agent's edge.
import { MAX_VRRP_ADDRESSES, VRRP_PASSWORD, type VrrpPlan, type VrrpState, type VrrpStatus } from '../vrrp';
import type { VrrpPlan as WireVrrpPlan, VrrpPlan__Output } from '../../proto/generated/lvsctl/v1/VrrpPlan';
import type { VrrpStatus as WireVrrpStatus, VrrpStatus__Output } from '../../proto/generated/lvsctl/v1/VrrpStatus';
import { canonicalAddress } from '../address';
import { at, WireFieldError, bool, boundedList, boundedString, enumValue, intIn, ipAddress, optionalString, type FieldPath } from './checks';
import { wireName } from './enum-names';

export const VRRP_STATE = {
  VRRP_STATE_MASTER: 'MASTER',
  VRRP_STATE_BACKUP: 'BACKUP',
  VRRP_STATE_FAULT: 'FAULT',
  VRRP_STATE_STOPPED: 'STOPPED',
  VRRP_STATE_UNKNOWN: 'UNKNOWN',
} as const satisfies Record<string, VrrpState>;

const GROUP = { max: 24, pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/, shape: 'a group name of letters, digits, "_" and "-"' };
const INTERFACE = { max: 15, pattern: /^[A-Za-z0-9._@-]+$/, shape: 'an interface name such as "eth0"' };
const MAX_ADDRESSES = MAX_VRRP_ADDRESSES;

export function vrrpPlanToWire(v: VrrpPlan): WireVrrpPlan {
  return {
    group: v.group,
    interface: v.interface,
    virtualRouterId: v.virtualRouterId,
    priority: v.priority,
    advertIntervalSeconds: v.advertIntervalSeconds,
    authPassword: v.authPassword ?? '',
    addresses: [...v.addresses],
    preempt: v.preempt,
    syncInterface: v.syncInterface,
    syncId: v.syncId,
    takeOverConfig: v.takeOverConfig,
    natGateway: v.natGatewayOn?.address ?? '',
    natGatewayInterface: v.natGatewayOn?.interface ?? '',
  };
}

/**
 * Each address once, however spelt (::1 and 0::1), the first spelling kept: keepalived would
 * otherwise be given one twice. Taken rather than refused: a controller before this one sent
 * an address of two spellings twice (its plan rule compared the text).
 */
function distinctAddresses(addresses: string[]): string[] {
  const once = new Map<string, string>();
  for (const a of addresses) {
    const key = canonicalAddress(a);
    if (!once.has(key)) once.set(key, a);
  }
  return once.size === addresses.length ? addresses : [...once.values()];
}

/** The gateway's own interface: both fields or neither, the address one of those that move. */
function natGatewayOn(wire: VrrpPlan__Output, addresses: readonly string[], path: FieldPath): VrrpPlan['natGatewayOn'] {
  const onInterface = optionalString(wire.natGatewayInterface, at(path, 'natGatewayInterface'), INTERFACE);
  if (!wire.natGateway && !onInterface) return undefined;
  const address = ipAddress(wire.natGateway, at(path, 'natGateway'));
  if (!onInterface) throw new WireFieldError(at(path, 'natGatewayInterface'), 'must be given with natGateway');
  if (!addresses.some((a) => canonicalAddress(a) === canonicalAddress(address))) throw new WireFieldError(at(path, 'natGateway'), 'must be one of the addresses');
  return { address, interface: onInterface };
}

export function vrrpPlanFromWire(wire: VrrpPlan__Output, path: FieldPath): VrrpPlan {
  const authPassword = optionalString(wire.authPassword, at(path, 'authPassword'), VRRP_PASSWORD);
  const addresses = distinctAddresses(boundedList(wire.addresses, at(path, 'addresses'), MAX_ADDRESSES, 1).map((a, i) => ipAddress(a, at(at(path, 'addresses'), i))));
  const gateway = natGatewayOn(wire, addresses, path);
  return {
    group: boundedString(wire.group, at(path, 'group'), GROUP),
    interface: boundedString(wire.interface, at(path, 'interface'), INTERFACE),
    virtualRouterId: intIn(wire.virtualRouterId, 1, 255, at(path, 'virtualRouterId')),
    priority: intIn(wire.priority, 1, 254, at(path, 'priority')),
    advertIntervalSeconds: intIn(wire.advertIntervalSeconds, 1, 255, at(path, 'advertIntervalSeconds')),
    ...(authPassword ? { authPassword } : {}),
    addresses,
    ...(gateway ? { natGatewayOn: gateway } : {}),
    preempt: bool(wire.preempt, at(path, 'preempt')),
    syncInterface: boundedString(wire.syncInterface, at(path, 'syncInterface'), INTERFACE),
    syncId: intIn(wire.syncId, 0, 255, at(path, 'syncId')),
    takeOverConfig: bool(wire.takeOverConfig, at(path, 'takeOverConfig')),
  };
}

export function vrrpStatusToWire(s: VrrpStatus): WireVrrpStatus {
  return {
    group: s.group,
    state: wireName(VRRP_STATE, s.state),
    since: s.since ?? '',
    priority: s.priority,
    configOwned: s.configOwned,
    note: s.note ?? '',
  };
}

/** The controller reads what an agent says; an unknown state reads as UNKNOWN rather than failing the whole reply. */
export function vrrpStatusFromWire(wire: VrrpStatus__Output): VrrpStatus {
  let state: VrrpState;
  try {
    state = enumValue(wire.state, VRRP_STATE, 'vrrp.state');
  } catch {
    state = 'UNKNOWN';
  }
  return {
    group: String(wire.group ?? ''),
    state,
    ...(wire.since ? { since: wire.since } : {}),
    priority: Number(wire.priority ?? 0),
    configOwned: Boolean(wire.configOwned),
    ...(wire.note ? { note: wire.note } : {}),
  };
}
