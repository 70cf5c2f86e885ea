// The kernel's own vocabulary for IPVS and firewall marks, shared by the controller
// (render, import) and the agent (diff, apply). Plain data, named as ipvsadm names it.

export const PROTOCOLS = ['tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const FORWARDING_METHODS = ['dr', 'nat', 'tun'] as const;
export type Forwarding = (typeof FORWARDING_METHODS)[number];

export const SCHEDULERS = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh',
] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const SCHEDULER_FLAGS = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const;
export type SchedulerFlag = (typeof SCHEDULER_FLAGS)[number];

/** Which scheduler takes which flags (ipvsadm(8), -b). */
export const FLAGS_OF_SCHEDULER: Readonly<Partial<Record<Scheduler, readonly SchedulerFlag[]>>> = {
  sh: ['sh-fallback', 'sh-port'],
  mh: ['mh-fallback', 'mh-port'],
};

export type AddressFamily = 'inet' | 'inet6';

/** What identifies a virtual service in the kernel. */
export type ServiceKey =
  | { kind: 'fwmark'; mark: number; family: AddressFamily }
  | { kind: Protocol; vip: string; port: number };

export interface Persistence {
  /** seconds */
  timeout: number;
  /** IPv4 netmask (or IPv6 prefix length as a string) grouping clients; absent = per client address */
  netmask?: string;
}

/** A virtual service without its destinations: what `ipvsadm -A/-E` sets. */
export interface VirtualService {
  key: ServiceKey;
  scheduler: Scheduler;
  flags: SchedulerFlag[];
  persistence?: Persistence;
}

/** A realserver behind a virtual service: what `ipvsadm -a/-e` sets. */
export interface Destination {
  address: string;
  port: number;
  weight: number;
  forwarding: Forwarding;
}

/** One service and its destinations, as the kernel holds it or as the plan wants it. */
export interface IpvsService {
  service: VirtualService;
  destinations: Destination[];
}

/**
 * One iptables mangle rule that sets a firewall mark: one plan `marks` entry. One port
 * spec renders as `--dport 80`; several as `-m multiport --dports 80,443` (at most 15).
 */
export interface MarkRule {
  mark: number;
  protocol: Protocol;
  destination: string;
  /** each "N" or a range "N:M" */
  ports: string[];
  inInterface?: string;
}

export function isIpv6(address: string): boolean {
  return address.includes(':');
}

/** ipvsadm's way of writing an address with a port: 10.0.0.1:80, [2001:db8::1]:80. */
export function formatAddressPort(address: string, port: number): string {
  return isIpv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Each key object's string, made once. An apply names the same key objects again and again
 * (the plan's services are kept from one request to the next, the door hands out the table it
 * remembers): 6,000 strings made and hashed anew per 2,000-service re-apply otherwise. Key
 * objects are never changed once made, so a key's string never goes stale.
 */
const keyStrings = new WeakMap<ServiceKey, string>();

/** A stable, human-readable identity for a service: "tcp 10.0.0.100:80", "fwmark 1", "fwmark 1 inet6". */
export function serviceKeyString(key: ServiceKey): string {
  let name = keyStrings.get(key);
  if (name === undefined) {
    name = key.kind === 'fwmark'
      ? (key.family === 'inet6' ? `fwmark ${key.mark} inet6` : `fwmark ${key.mark}`)
      : `${key.kind} ${formatAddressPort(key.vip, key.port)}`;
    keyStrings.set(key, name);
  }
  return name;
}

export function sameServiceKey(a: ServiceKey, b: ServiceKey): boolean {
  return serviceKeyString(a) === serviceKeyString(b);
}

/** Identity of a destination within its service. */
export function destinationKeyString(d: Pick<Destination, 'address' | 'port'>): string {
  return formatAddressPort(d.address, d.port);
}

/** True when the two services differ in anything `ipvsadm -E` would change. */
export function serviceSettingsEqual(a: VirtualService, b: VirtualService): boolean {
  return (
    a.scheduler === b.scheduler &&
    sameFlags(a.flags, b.flags) &&
    (a.persistence?.timeout ?? 0) === (b.persistence?.timeout ?? 0) &&
    normalizedNetmask(a) === normalizedNetmask(b)
  );
}

function sameFlags(a: readonly SchedulerFlag[], b: readonly SchedulerFlag[]): boolean {
  if (a.length !== b.length) return false;
  // nearly every service has none: no sorting, no strings
  if (a.length === 0) return true;
  return [...a].sort().join(',') === [...b].sort().join(',');
}

function normalizedNetmask(s: VirtualService): string {
  if (!s.persistence) return '';
  const isV6 = s.key.kind === 'fwmark' ? s.key.family === 'inet6' : isIpv6(s.key.vip);
  return s.persistence.netmask ?? (isV6 ? '128' : '255.255.255.255');
}

export function destinationSettingsEqual(a: Destination, b: Destination): boolean {
  return a.weight === b.weight && a.forwarding === b.forwarding;
}

/** The iptables rule identity of a mark rule, for diffing and display. */
export function markRuleString(r: MarkRule): string {
  const iface = r.inInterface ? ` -i ${r.inInterface}` : '';
  return `mark ${r.mark}:${iface} -p ${r.protocol} -d ${r.destination} --dports ${r.ports.join(',')}`;
}
