// Compiles a validated plan into one HostPlan per host. Pure: addresses are resolved
// beforehand (controller/inventory) and passed in.
import { durationMs } from '../../lvs/duration';
import type { DirectorPlan, DirectorService, HealthCheckSpec, HostPlan, RealserverDuty, RealserverPlan } from '../../lvs/host-plan';
import { isIpv6, type MarkRule, type ServiceKey, type VirtualService } from '../../lvs/model';
import { compileGroups, groupOfDirector, groupOfService, vrrpPlanOf, type CompiledGroup } from './compile-groups';
import type { Plan, PlanHealthCheck, PlanService } from './schema';
import { compileHealthExtras } from './compile-health-check';
import { natGatewayOf } from './nat-gateway';

/** host name → its address (from the plan, ~/.ssh/config or DNS) */
export type ResolvedAddresses = ReadonlyMap<string, string>;

/** The schema already refused anything else; a non-duration here is a bug, said loudly. */
export function parseDurationMs(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new Error(`not a duration: ${text}`);
  return ms;
}

/** The mark rules of the plan, one per `marks` entry, in plan order. */
export function compileMarkRules(plan: Plan): MarkRule[] {
  return plan.marks.map((m) => ({
    mark: m.mark,
    protocol: m.protocol,
    destination: m.destination,
    ports: [...m.ports],
    ...(m.inInterface ? { inInterface: m.inInterface } : {}),
  }));
}

function markDestinations(plan: Plan, mark: number): string[] {
  return [...new Set(plan.marks.filter((m) => m.mark === mark).map((m) => m.destination))];
}

export function serviceKeyOf(plan: Plan, s: PlanService): ServiceKey {
  if (s.fwmark !== undefined) {
    const destinations = markDestinations(plan, s.fwmark);
    return { kind: 'fwmark', mark: s.fwmark, family: destinations.some(isIpv6) ? 'inet6' : 'inet' };
  }
  return { kind: s.protocol ?? 'tcp', vip: s.vip ?? '', port: s.port ?? 0 };
}

export function virtualServiceOf(plan: Plan, s: PlanService): VirtualService {
  return {
    key: serviceKeyOf(plan, s),
    scheduler: s.scheduler,
    flags: [...(s.schedulerFlags ?? [])],
    ...(s.persistence
      ? { persistence: { timeout: s.persistence.timeout, ...(s.persistence.netmask ? { netmask: s.persistence.netmask } : {}) } }
      : {}),
  };
}

function servicePort(s: PlanService): number {
  return s.fwmark !== undefined ? 0 : (s.port ?? 0);
}

/** The port a check of this type dials when the plan names none and the service has none: 80 (443 for https, 53 for dns). */
export function defaultCheckPort(type: PlanHealthCheck['type']): number {
  return type === 'https' ? 443 : type === 'dns' ? 53 : 80;
}

function healthCheckOf(s: PlanService, hc: PlanHealthCheck): HealthCheckSpec {
  const port = hc.port ?? (servicePort(s) || s.ftp?.controlPort || defaultCheckPort(hc.type));
  const web = hc.type === 'http' || hc.type === 'https';
  return {
    type: hc.type,
    port,
    path: web ? (hc.path ?? '/') : '',
    expectStatus: typeof hc.expectStatus === 'number' ? hc.expectStatus : 0,
    intervalMs: parseDurationMs(hc.interval),
    timeoutMs: parseDurationMs(hc.timeout),
    fall: hc.fall,
    rise: hc.rise,
    ...(hc.allDown ? { allDown: hc.allDown } : {}),
    ...compileHealthExtras(hc),
  };
}

function addressOf(addresses: ResolvedAddresses, host: string): string {
  const address = addresses.get(host);
  if (address === undefined) throw new Error(`host "${host}" has no resolved address`);
  return address;
}

export function compileDirectorServices(plan: Plan, addresses: ResolvedAddresses): DirectorService[] {
  return plan.services.map((s) => ({
    name: s.name,
    service: virtualServiceOf(plan, s),
    realservers: s.realservers.map((rs) => ({
      host: rs.host,
      destination: {
        address: addressOf(addresses, rs.host),
        port: rs.port || servicePort(s),
        weight: rs.weight,
        forwarding: s.forwarding,
      },
    })),
    ...(s.healthCheck ? { healthCheck: healthCheckOf(s, s.healthCheck) } : {}),
    // Weight 0 in the desired table: the health monitor raises it while every realserver is down.
    ...(s.sorryServer
      ? { sorryServer: { address: s.sorryServer.address, port: s.sorryServer.port || servicePort(s), weight: 0, forwarding: s.forwarding } }
      : {}),
  }));
}

/**
 * The addresses a NAT realserver of a service may route through: its group's natGateway
 * (the floating inside address), else every director's gateway (nat-gateway.ts). The one
 * place that decides the realserver gateway check's addresses for a group.
 */
function natRouteAddresses(index: number, byService: ReadonlyMap<number, CompiledGroup>, natGateways: string[]): string[] {
  const gateway = byService.get(index)?.group.natGateway;
  return gateway ? [gateway] : natGateways;
}

function realserverDuties(plan: Plan, host: string, natGateways: string[], byService: ReadonlyMap<number, CompiledGroup>): RealserverDuty[] {
  return plan.services
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => s.realservers.some((rs) => rs.host === host))
    .map(({ s, index }) => ({
      service: s.name,
      forwarding: s.forwarding,
      vips: s.fwmark !== undefined ? markDestinations(plan, s.fwmark) : [s.vip ?? ''],
      // only a NAT realserver routes through a director (its route check reads them)
      directors: s.forwarding === 'nat' ? natRouteAddresses(index, byService, natGateways) : [],
      ...(s.ftp ? { ftpPassivePorts: s.ftp.passivePorts } : {}),
      ...listeningPorts(s, host),
    }));
}

/**
 * The ports a realserver must listen on for a service, for its own "port listening" check:
 * its destination port, each of them where the host is a destination at several ports (NAT:
 * web1:8001 and web1:8002); for port-0 and fwmark services (no port of their own) the port
 * the directors check (as healthCheckOf picks it), else the FTP control port; none when
 * nothing says which.
 */
function listeningPorts(s: PlanService, host: string): { ports?: number[] } {
  // the realserver's check reads /proc/net/tcp: a UDP service's port would never be found there
  if (s.protocol === 'udp') return {};
  const own = [...new Set(s.realservers.filter((rs) => rs.host === host).map((rs) => rs.port || servicePort(s)))].filter((p) => p > 0);
  if (own.length > 0) return { ports: own };
  // only a check over TCP says which TCP port must listen (the realserver reads /proc/net/tcp)
  const hc = s.healthCheck && ['tcp', 'http', 'https'].includes(s.healthCheck.type) ? s.healthCheck : undefined;
  const port = hc?.port || s.ftp?.controlPort || (hc ? defaultCheckPort(hc.type) : 0);
  return port ? { ports: [port] } : {};
}

/** A grouped director's share of the table: its group's services, and the mark rules they use. */
function groupShare(plan: Plan, compiled: CompiledGroup, services: DirectorService[], marks: MarkRule[]): { services: DirectorService[]; marks: MarkRule[] } {
  const own = compiled.serviceIndexes.map((i) => services[i]);
  const usedMarks = new Set(compiled.serviceIndexes.map((i) => plan.services[i].fwmark).filter((m) => m !== undefined));
  return { services: own, marks: marks.filter((m) => usedMarks.has(m.mark)) };
}

/**
 * One HostPlan per host of the plan, keyed by host name. A director outside every group
 * gets every service and mark rule; the directors of a group all get the same share (the
 * group's services and their marks) and its VRRP; every realserver gets the duties of the
 * services it is in.
 */
export function compileHostPlans(plan: Plan, addresses: ResolvedAddresses, generation: number): Map<string, HostPlan> {
  const result = new Map<string, HostPlan>();
  const hostNames = Object.keys(plan.hosts);
  // What NAT realservers must route through, one per director (nat-gateway.ts decides).
  const natGateways = hostNames
    .filter((h) => plan.hosts[h].role === 'director')
    .map((h) => natGatewayOf(plan.hosts[h], addressOf(addresses, h)));
  const services = compileDirectorServices(plan, addresses);
  const marks = compileMarkRules(plan);
  const groups = compileGroups(plan);
  const byDirector = groupOfDirector(groups);
  const byService = groupOfService(groups);
  for (const host of hostNames) {
    const spec = plan.hosts[host];
    if (spec.role === 'director') {
      const group = byDirector.get(host);
      const share = group ? groupShare(plan, group, services, marks) : { services, marks };
      const director: DirectorPlan = {
        role: 'director', cluster: plan.cluster, host, generation, ...share,
        ...(group ? { vrrp: vrrpPlanOf(group, host) } : {}),
      };
      result.set(host, director);
    } else {
      const realserver: RealserverPlan = {
        role: 'realserver',
        cluster: plan.cluster,
        host,
        generation,
        address: addressOf(addresses, host),
        prepare: spec.prepare ?? false,
        duties: realserverDuties(plan, host, natGateways, byService),
        ...(spec.ftp ? { ftp: { server: spec.ftp.server, config: spec.ftp.config } } : {}),
      };
      result.set(host, realserver);
    }
  }
  return result;
}
