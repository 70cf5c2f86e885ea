// Builds the lab cluster inside the guest from a plan: a bridge br0, one network namespace
// per plan host (named as the plan names it) plus a client, each joined by a veth pair
// whose inside end is eth0. Everything lives in the guest; nothing is wired to the host.
import { ipBatch, killInNetns, run, setSysctls } from './netns';

/** The parts of a plan the topology needs (a parsed lvsctl plan fits). */
export interface TopologyPlan {
  hosts: Readonly<Record<string, { role: 'director' | 'realserver'; address?: string; natGateway?: string }>>;
  services: ReadonlyArray<{ vip?: string; forwarding?: 'dr' | 'nat' | 'tun'; realservers?: ReadonlyArray<{ host: string }> }>;
  marks?: ReadonlyArray<{ destination: string }>;
  /** the directors of a group get no VIP from the lab: keepalived moves them */
  directorGroups?: ReadonlyArray<{ directors: readonly string[] }>;
}

export interface TopologyOptions {
  /** Put every VIP on each realserver's lo and set arp_ignore=1/arp_announce=2 (LVS-DR/TUN). Off by default: the realserver agent verifies or prepares that itself. */
  prepareRealservers?: boolean;
  /** The client namespace's name and address. */
  client?: { name: string; address: string };
}

export const CLIENT_NAME = 'client';
export const CLIENT_ADDRESS = '10.0.0.200';
export const BRIDGE = 'br0';
const PREFIX_LENGTH = 24;
/** The lab's IPv6 network on the same bridge, for plans with IPv6 hosts or VIPs. */
export const IPV6_PREFIX = 'fd00::';
const IPV6_PREFIX_LENGTH = 64;
/** Hosts' IPv6 addresses may also sit on other /64s of fd00::/16 (an LVS-NAT realserver network behind its director). */
const IPV6_LAB_RANGE = 'fd00:';

/** The /64 of an IPv6 address with ::254 in it: where the root namespace joins that network. */
export function rootAddressOn64(address: string): string {
  const [head = '', tail = ''] = address.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === '' ? [] : tail.split(':');
  const groups = [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::254`;
}

export interface LabHost {
  name: string;
  role: 'director' | 'realserver' | 'client';
  address: string;
  /** a director's inside address (the plan's natGateway), put on its eth0 beside its address */
  natGateway?: string;
}

export interface Topology {
  hosts: LabHost[];
  client: LabHost;
  /** the VIPs (service vips and mark destinations) put on the directors' eth0 */
  vips: string[];
  /** with IPv6 in the plan: every namespace's IPv6 address (its own when IPv6, else fd00::LAST-OCTET) */
  ipv6: ReadonlyMap<string, string>;
  /** kill every process in the namespaces, delete them and the bridge */
  teardown(): Promise<void>;
}

/** A plan the lab cannot build, with the place and the fix. */
export class TopologyError extends Error {
  constructor(place: string, problem: string, fix: string) {
    super(`${place}: ${problem}; ${fix}`);
    this.name = 'TopologyError';
  }
}

export async function buildTopology(plan: TopologyPlan, options: TopologyOptions = {}): Promise<Topology> {
  const client: LabHost = { role: 'client', name: options.client?.name ?? CLIENT_NAME, address: options.client?.address ?? CLIENT_ADDRESS };
  const hosts = labHosts(plan, client);
  const vips = planVips(plan);
  const all = [...hosts, client];
  const ipv6 = planHasIpv6(plan) ? ipv6Addresses(all) : new Map<string, string>();
  const topology: Topology = { hosts, client, vips, ipv6, teardown: () => teardownNamespaces(all.map((host) => host.name)) };
  try {
    await createNamespaces(all, vips, ipv6, new Set((plan.directorGroups ?? []).flatMap((g) => g.directors)));
    if (plan.services.some((service) => service.forwarding === 'nat')) {
      // A director routes the NAT replies; on this one bridge it takes them in and sends them on
      // through the same eth0, so the kernel would tell the realserver (an ICMP redirect) to send
      // straight to the client, un-NATed: a request then found no answer now and then (seen in the
      // natGateway scenario). A one-armed LVS-NAT director must not send redirects.
      for (const host of hosts.filter((h) => h.role === 'director')) {
        await setSysctls(host.name, {
          'net.ipv4.ip_forward': 1,
          'net.ipv4.conf.all.send_redirects': 0,
          'net.ipv4.conf.eth0.send_redirects': 0,
        });
      }
    }
    if (options.prepareRealservers === true) {
      for (const host of hosts.filter((h) => h.role === 'realserver')) await prepareRealserver(host.name, vips);
    }
  } catch (error) {
    // Half a topology would make the next scenario in this boot fail with "File exists".
    await topology.teardown().catch(() => undefined);
    throw error;
  }
  return topology;
}

async function createNamespaces(all: readonly LabHost[], vips: readonly string[], ipv6: ReadonlyMap<string, string>, grouped: ReadonlySet<string>): Promise<void> {
  // One process for the root namespace's part, one per namespace for its own part.
  await ipBatch(null, [
    `link add ${BRIDGE} type bridge`,
    `link set ${BRIDGE} up`,
    ...all.map((host) => `netns add ${host.name}`),
    ...all.flatMap((host) => [
      `link add ${vethName(host.name)} type veth peer name eth0 netns ${host.name}`,
      `link set ${vethName(host.name)} master ${BRIDGE} up`,
    ]),
  ]);
  for (const host of all) {
    const directorVips = host.role === 'director' && !grouped.has(host.name) ? vips : [];
    const own6 = ipv6.get(host.name);
    await ipBatch(host.name, [
      'link set lo up',
      // an IPv6 host's own address is its v6 one below; the others get an IPv4 one
      ...(isIpv6(host.address) ? [] : [`addr add ${withPrefix(host.address)} dev eth0`]),
      // nodad: a lab address is unique by construction, and DAD would hold it for seconds
      ...(own6 !== undefined ? [`addr add ${own6}/${IPV6_PREFIX_LENGTH} dev eth0 nodad`] : []),
      ...(host.natGateway !== undefined ? [`addr add ${isIpv6(host.natGateway) ? `${host.natGateway}/${IPV6_PREFIX_LENGTH} dev eth0 nodad` : `${withPrefix(host.natGateway)} dev eth0`}`] : []),
      ...directorVips.map((vip) => (isIpv6(vip) ? `addr add ${vip}/128 dev eth0 nodad` : `addr add ${withPrefix(vip)} dev eth0`)),
      'link set eth0 up',
    ]);
  }
}

/** What an LVS-DR realserver needs: the VIPs on lo, and no ARP answers for them. */
export async function prepareRealserver(ns: string, vips: readonly string[]): Promise<void> {
  await ipBatch(ns, vips.map((vip) => `addr add ${vip}/${isIpv6(vip) ? 128 : 32} dev lo`));
  await setSysctls(ns, {
    'net.ipv4.conf.all.arp_ignore': 1,
    'net.ipv4.conf.all.arp_announce': 2,
    'net.ipv4.conf.eth0.arp_ignore': 1,
    'net.ipv4.conf.eth0.arp_announce': 2,
  });
}

/**
 * Delete what buildTopology made; tolerant of parts already gone, so it can clean up after a
 * crash. Each host's veth pair is deleted from the root side first: a namespace's devices go
 * only when the kernel frees the namespace, later and on its own time (sooner or later after
 * its last process), and a root-side end still there made every later scenario of the boot
 * fail with "File exists" (a lab run after one failed test: seven failures instead of one).
 */
export async function teardownNamespaces(names: readonly string[]): Promise<void> {
  const existing = new Set((await run('ip', ['netns', 'list'])).stdout.split('\n').map((line) => line.split(' ')[0]));
  for (const name of names.filter((n) => existing.has(n))) await killInNetns(name);
  const present = names.filter((n) => existing.has(n));
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
  const pairs = names.filter((n) => links.includes(` ${vethName(n)}@`) || links.includes(` ${vethName(n)}:`));
  // -force: keep going past a line that fails (e.g. a device already gone).
  const lines = [...pairs.map((n) => `link del ${vethName(n)}`), ...present.map((n) => `netns del ${n}`)];
  if (lines.length > 0) await run('ip', ['-force', '-batch', '-'], { input: lines.map((line) => `${line}\n`).join('') });
  if (links.includes(` ${BRIDGE}:`)) await run('ip', ['link', 'del', BRIDGE]);
}

export function labHosts(plan: TopologyPlan, client: LabHost): LabHost[] {
  const hosts: LabHost[] = [];
  for (const [name, host] of Object.entries(plan.hosts)) {
    const place = `hosts.${name}`;
    if (host.address === undefined) throw new TopologyError(place, 'has no address', 'give every host an "address" in the lab plan (the lab has no DNS)');
    if (isIpv6(host.address) && !host.address.startsWith(IPV6_LAB_RANGE)) {
      throw new TopologyError(`${place}.address`, `"${host.address}" is outside the lab's IPv6 networks (/64s of fd00::/16)`, 'use an address such as fd00::11');
    }
    if (isIpv6(host.address) && host.role === 'director') {
      throw new TopologyError(`${place}.address`, `"${host.address}" is IPv6`, 'give lab directors an IPv4 address (10.0.0.N): they get fd00::N beside it');
    }
    if (name.length > 11 || !/^[A-Za-z0-9_-]+$/.test(name)) {
      // the root-side veth is "v-" + name and interface names stop at 15 characters
      throw new TopologyError(place, `"${name}" cannot name a lab namespace`, 'use at most 11 letters, digits, "-" or "_"');
    }
    if (name === client.name) throw new TopologyError(place, `"${name}" is the client's namespace`, 'rename the host or pass options.client.name');
    hosts.push({ name, role: host.role, address: host.address, ...(host.natGateway !== undefined ? { natGateway: host.natGateway } : {}) });
  }
  const taken = new Map<string, string>([[client.address, client.name]]);
  for (const host of hosts) {
    const other = taken.get(host.address);
    if (other !== undefined) throw new TopologyError(`hosts.${host.name}.address`, `${host.address} is already ${other}'s`, 'give each host its own address');
    taken.set(host.address, host.name);
  }
  if (!hosts.some((host) => host.role === 'director')) throw new TopologyError('hosts', 'no director', 'add a host with role "director"');
  return hosts;
}

export function planVips(plan: TopologyPlan): string[] {
  const vips = [...plan.services.map((service) => service.vip), ...(plan.marks ?? []).map((mark) => mark.destination)];
  return [...new Set(vips.filter((vip): vip is string => vip !== undefined))];
}

function planHasIpv6(plan: TopologyPlan): boolean {
  return planVips(plan).some(isIpv6) || Object.values(plan.hosts).some((host) => host.address !== undefined && isIpv6(host.address));
}

/** fd00::11 for an IPv6 host fd00::11, fd00::1 for 10.0.0.1, fd00::200 for the client. */
function ipv6Addresses(all: readonly LabHost[]): Map<string, string> {
  return new Map(all.map((host) => [host.name, isIpv6(host.address) ? host.address : `${IPV6_PREFIX}${host.address.split('.').at(-1) ?? '0'}`]));
}

function vethName(host: string): string {
  return `v-${host}`;
}

function withPrefix(address: string): string {
  return `${address}/${PREFIX_LENGTH}`;
}

function isIpv6(address: string): boolean {
  return address.includes(':');
}
