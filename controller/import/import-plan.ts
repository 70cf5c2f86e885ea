// `lvsctl import`: an IPVS table and mark rules, as read from ipvsadm -S -n and
// iptables-save, turned into a plan.json to start from. Pure: the CLI reads and parses.
import { destinationKeyString, serviceKeyString, type Forwarding, type IpvsService, type MarkRule, type ServiceKey } from '../../lvs/model';
import { MULTIPORT_SLOTS, multiportSlots } from '../../lvs/formats/iptables-format';
import { API_VERSION, MAX_PLAN_SERVICES } from '../plan/constants';
import { DEFAULT_IMPORT_CLUSTER } from './defaults';
import type { PlanInput } from '../plan/schema';
import { findNatGateway, type DirectorAddress } from './nat-gateway';

export const DIRECTOR_PLACEHOLDER = 'director1';

type ImportedService = PlanInput['services'][number];
type ImportedMark = NonNullable<PlanInput['marks']>[number];
type ImportedHost = PlanInput['hosts'][string];

/** What a keepalived or ldirectord configuration says of a service beyond its table: its check, its sorry server. */
export interface ImportedServiceExtras {
  healthCheck?: ImportedService['healthCheck'];
  sorryServer?: ImportedService['sorryServer'];
}

export interface ImportInput {
  services: IpvsService[];
  marks: MarkRule[];
  cluster?: string;
  /** one per service, same order (keepalived, ldirectord); absent = none */
  extras?: ImportedServiceExtras[];
  /** the director's own addresses (`ip -j addr show`), to find its NAT gateway */
  directorAddresses?: DirectorAddress[];
}

export interface ImportResult {
  plan: PlanInput;
  /** what the operator must still do or check, one sentence each */
  notes: string[];
}

/** Something the plan format cannot say; the message names the service and why. */
export class ImportError extends Error {}

/** "rs-10-0-0-11", "rs-2001-db8--11": a host name from a realserver address. */
export function realserverName(address: string): string {
  return `rs-${address.toLowerCase().replace(/[.:]/g, '-')}`;
}

/** "tcp-10-0-0-100-80", "fwmark-1": a service name from its key. */
export function serviceName(key: ServiceKey): string {
  if (key.kind === 'fwmark') return key.family === 'inet6' ? `fwmark-${key.mark}-inet6` : `fwmark-${key.mark}`;
  return `${key.kind}-${key.vip.toLowerCase().replace(/[.:]/g, '-')}-${key.port}`;
}

/**
 * One plan mark per (mark, protocol, destination, interface), ports in first-seen order,
 * split only where iptables' multiport (15 slots, a range taking two) or the plan (15
 * ports) would overflow.
 */
export function groupMarks(rules: readonly MarkRule[]): ImportedMark[] {
  const groups = new Map<string, { first: MarkRule; ports: string[] }>();
  for (const r of rules) {
    const id = [r.mark, r.protocol, r.destination, r.inInterface ?? ''].join('|');
    const group = groups.get(id) ?? { first: r, ports: [] };
    for (const p of r.ports) if (!group.ports.includes(p)) group.ports.push(p);
    groups.set(id, group);
  }
  const marks: ImportedMark[] = [];
  for (const { first, ports } of groups.values()) {
    let chunk: string[] = [];
    const flush = (): void => {
      if (chunk.length === 0) return;
      marks.push({
        mark: first.mark,
        protocol: first.protocol,
        destination: first.destination,
        ports: chunk,
        ...(first.inInterface !== undefined ? { inInterface: first.inInterface } : {}),
      });
      chunk = [];
    };
    for (const p of ports) {
      if (chunk.length >= 15 || multiportSlots([...chunk, p]) > MULTIPORT_SLOTS) flush();
      chunk.push(p);
    }
    flush();
  }
  return marks;
}

function forwardingOf(s: IpvsService): Forwarding {
  const methods = [...new Set(s.destinations.map((d) => d.forwarding))];
  if (methods.length > 1) {
    const each = s.destinations.map((d) => `${destinationKeyString(d)} ${d.forwarding}`).join(', ');
    throw new ImportError(
      `service ${serviceKeyString(s.service.key)} mixes forwarding methods (${each}); a plan service has one: ` +
        `make them one method with ipvsadm -e, or split the realservers into services of their own`,
    );
  }
  return methods[0] ?? 'dr';
}

/** An FTP service as it is classically built: a persistent mark service over 21 and one passive range. */
function ftpOf(s: IpvsService, marks: readonly MarkRule[]): ImportedService['ftp'] {
  const key = s.service.key;
  if (key.kind !== 'fwmark' || !s.service.persistence) return undefined;
  const ports = marks.filter((m) => m.mark === key.mark).flatMap((m) => m.ports);
  const ranges = [...new Set(ports.filter((p) => p.includes(':')))];
  return ports.includes('21') && ranges.length === 1 ? { controlPort: 21, passivePorts: ranges[0] } : undefined;
}

function importService(s: IpvsService, marks: readonly MarkRule[], notes: string[]): ImportedService {
  const { key, scheduler, flags, persistence } = s.service;
  const name = serviceName(key);
  const servicePort = key.kind === 'fwmark' ? 0 : key.port;
  const ftp = ftpOf(s, marks);
  if (key.kind === 'fwmark' && !marks.some((m) => m.mark === key.mark)) {
    notes.push(`service ${name} uses firewall mark ${key.mark}, but no mark rule sets it: import the director's iptables-save -t mangle too (--iptables), or add the rule to "marks"`);
  }
  if (ftp) notes.push(`service ${name} looks like an FTP service (21 + ${ftp.passivePorts}): give its realservers "ftp": { "server", "config" } so their agents check the passive range`);
  return {
    name,
    ...(key.kind === 'fwmark' ? { fwmark: key.mark } : { protocol: key.kind, vip: key.vip, port: key.port }),
    scheduler,
    ...(flags.length > 0 ? { schedulerFlags: [...flags] } : {}),
    ...(persistence ? { persistence: { timeout: persistence.timeout, ...(persistence.netmask !== undefined ? { netmask: persistence.netmask } : {}) } } : {}),
    forwarding: forwardingOf(s),
    ...(ftp ? { ftp } : {}),
    realservers: s.destinations.map((d) => ({
      host: realserverName(d.address),
      ...(d.port !== servicePort ? { port: d.port } : {}),
      ...(d.weight !== 1 ? { weight: d.weight } : {}),
    })),
  };
}

/** Fills in the director's natGateway when its addresses tell it; otherwise says what to do. */
function natGatewayOfImport(input: ImportInput, hosts: Record<string, ImportedHost>, notes: string[]): void {
  const natRealservers = [...new Set(input.services.flatMap((s) => s.destinations.filter((d) => d.forwarding === 'nat').map((d) => d.address)))];
  if (natRealservers.length === 0) return;
  const field = `hosts.${DIRECTOR_PLACEHOLDER}.natGateway`;
  if (input.directorAddresses === undefined) {
    notes.push(
      `the LVS-NAT realservers (${natRealservers.join(', ')}) must route through the director: set ${field} to its address on their network ` +
        `(without it they are checked against its agent address), or pass --director-addresses with the director's \`ip -j addr show\` to have it filled in`,
    );
    return;
  }
  const found = findNatGateway(natRealservers, input.directorAddresses);
  if (found.natGateway !== undefined) {
    hosts[DIRECTOR_PLACEHOLDER] = { ...hosts[DIRECTOR_PLACEHOLDER], natGateway: found.natGateway };
    notes.push(`${field} is ${found.natGateway}, the director's address on ${found.device}, the network of its LVS-NAT realservers; with a floating (VRRP) gateway, put that address there instead`);
  } else {
    notes.push(`cannot tell the director's NAT gateway: ${found.why}; set ${field} to the address the realservers route through`);
  }
}

export function importPlan(input: ImportInput): ImportResult {
  const notes: string[] = [];
  const hosts: Record<string, ImportedHost> = { [DIRECTOR_PLACEHOLDER]: { role: 'director' } };
  for (const s of input.services) {
    for (const d of s.destinations) hosts[realserverName(d.address)] = { role: 'realserver', address: d.address };
  }
  const services = input.services.map((s, i) => ({ ...importService(s, input.marks, notes), ...(input.extras?.[i] ?? {}) }));
  const used = new Set(input.services.flatMap((s) => (s.service.key.kind === 'fwmark' ? [s.service.key.mark] : [])));
  for (const mark of new Set(input.marks.map((m) => m.mark))) {
    if (!used.has(mark)) notes.push(`mark ${mark} is set by iptables but no fwmark service uses it: drop it from "marks" or add its service`);
  }
  natGatewayOfImport(input, hosts, notes);
  if (services.length > MAX_PLAN_SERVICES) {
    notes.unshift(`the table has ${services.length} services and a plan holds at most ${MAX_PLAN_SERVICES}: lvsctl validate refuses this one; split it into plans of at most ${MAX_PLAN_SERVICES} (one per director pair, or per VIP)`);
  }
  notes.unshift(`"${DIRECTOR_PLACEHOLDER}" stands for the director the table came from: give it its "address" (or a name ~/.ssh/config resolves)`);
  return {
    plan: {
      apiVersion: API_VERSION,
      cluster: input.cluster ?? DEFAULT_IMPORT_CLUSTER,
      hosts,
      marks: groupMarks(input.marks),
      services,
    },
    notes,
  };
}
