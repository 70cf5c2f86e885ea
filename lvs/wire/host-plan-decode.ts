// The agent's edge: a HostPlan as it arrived over the wire (untrusted) → the domain
// HostPlan, or a WireFieldError naming the first field that is wrong
// ("services[3].realservers[0].destination.weight: must be 0..65535").
import type { DirectorPlan, DirectorService, HealthCheckSpec, HostPlan, RealserverDuty, RealserverPlan } from '../host-plan';
import {
  FLAGS_OF_SCHEDULER, SCHEDULERS, SCHEDULER_FLAGS,
  type Destination, type MarkRule, type ServiceKey, type VirtualService,
} from '../model';
import type { HostPlan__Output } from '../../proto/generated/lvsctl/v1/HostPlan';
import type { DirectorPlan__Output } from '../../proto/generated/lvsctl/v1/DirectorPlan';
import type { DirectorService__Output } from '../../proto/generated/lvsctl/v1/DirectorService';
import type { VirtualService__Output } from '../../proto/generated/lvsctl/v1/VirtualService';
import type { ServiceKey__Output } from '../../proto/generated/lvsctl/v1/ServiceKey';
import type { Destination__Output } from '../../proto/generated/lvsctl/v1/Destination';
import type { HealthCheckSpec__Output } from '../../proto/generated/lvsctl/v1/HealthCheckSpec';
import type { MarkRule__Output } from '../../proto/generated/lvsctl/v1/MarkRule';
import type { RealserverPlan__Output } from '../../proto/generated/lvsctl/v1/RealserverPlan';
import type { RealserverDuty__Output } from '../../proto/generated/lvsctl/v1/RealserverDuty';
import {
  at, bool, boundedList, boundedString, enumValue, fail, intIn, ipAddress, oneOf, optionalString, present,
  safeIntegerFromString, type FieldPath, unnamedFirst,
} from './checks';
import { ADDRESS_FAMILY, FORWARDING, FTP_SERVER_KIND, HEALTH_CHECK_TYPE, PROTOCOL } from './enum-names';
import { ALL_DOWN_POLICY } from './host-plan-encode';
import { CHECK_DURATION_BOUNDS_MS } from '../health/check-options';
import { LIMITS } from './limits';
import { sorryServer } from './host-plan-sorry-server';
import { vrrpPlanFromWire } from './vrrp-codec';
import { healthExtrasFromWire } from './health-check-extras';
import { runToEnd, type Pausable } from '../yield-point';

const MAX_MARK = 2 ** 32 - 1;
const MAX_PERSISTENCE_SECONDS = 31 * 24 * 3600;
const MAX_CHECK_MS = CHECK_DURATION_BOUNDS_MS.max;

const HOST_NAME = { max: LIMITS.hostName, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, shape: 'a host name of letters, digits, ".", "_" and "-"' };
const SERVICE_NAME = { max: LIMITS.name, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, shape: 'a name of letters, digits, ".", "_" and "-"' };
const CLUSTER = { max: 63, pattern: /^[a-z0-9][a-z0-9-]*$/, shape: 'a cluster name matching [a-z0-9][a-z0-9-]*' };
const INTERFACE = { max: 15, pattern: /^[A-Za-z0-9._@-]+$/, shape: 'an interface name such as "eth0"' };
const PORT_SPEC = /^(\d{1,5})(?::(\d{1,5}))?$/;

export function hostPlanFromWire(wire: HostPlan__Output | null | undefined): HostPlan {
  return runToEnd(hostPlanFromWireSteps(wire));
}

/** hostPlanFromWire, pausing after each service or duty (20,000 services x 10 take a second). */
export function* hostPlanFromWireSteps(wire: HostPlan__Output | null | undefined): Pausable<HostPlan> {
  const plan = present(wire, 'plan', 'the host plan to check or apply');
  const cluster = boundedString(plan.cluster, 'cluster', CLUSTER);
  const host = boundedString(plan.host, 'host', HOST_NAME);
  const generation = safeIntegerFromString(plan.generation, 'generation');
  if (plan.role === 'director' && plan.director) return yield* directorPlan(plan.director, cluster, host, generation);
  if (plan.role === 'realserver' && plan.realserver) return yield* realserverPlan(plan.realserver, cluster, host, generation);
  fail('role', 'is missing: a host plan is either a director plan or a realserver plan');
}

/**
 * A service checked as it arrived (lvs/wire/apply-request-codec.ts checks each element of the
 * request's service list as it decodes it): taken as it is.
 */
export class CheckedService {
  constructor(readonly service: DirectorService) {}
}

/** services[index] of a director plan, checked: a WireFieldError names the field that is wrong. */
export function checkedDirectorService(wire: DirectorService__Output, index: number): CheckedService {
  return new CheckedService(unnamedFirst(at('services', index), (path) => directorService(wire, path)));
}

function* directorPlan(wire: DirectorPlan__Output, cluster: string, host: string, generation: number): Pausable<DirectorPlan> {
  const services: DirectorService[] = [];
  let total = 0;
  for (const [i, s] of boundedList(wire.services, 'services', LIMITS.services).entries()) {
    const service = s instanceof CheckedService ? s.service : unnamedFirst(at('services', i), (path) => directorService(s as DirectorService__Output, path));
    total += service.realservers.length;
    services.push(service);
    yield;
  }
  if (total > LIMITS.destinationsTotal) {
    fail('services', `must have at most ${LIMITS.destinationsTotal} realservers in all (has ${total})`);
  }
  const marks = boundedList(wire.marks, 'marks', LIMITS.marks).map((m, i) => markRule(m as MarkRule__Output, at('marks', i)));
  const vrrp = wire.vrrp ? vrrpPlanFromWire(wire.vrrp, 'vrrp') : undefined;
  return { role: 'director', cluster, host, generation, services, marks, ...(vrrp ? { vrrp } : {}) };
}

function directorService(wire: DirectorService__Output, path: FieldPath): DirectorService {
  const name = boundedString(wire.name, at(path, 'name'), SERVICE_NAME);
  const service = virtualService(present(wire.service, at(path, 'service'), 'the virtual service'), at(path, 'service'));
  const realservers = boundedList(wire.realservers, at(path, 'realservers'), LIMITS.destinationsPerService).map((r, i) => {
    const rsPath = at(at(path, 'realservers'), i);
    const item = r as { host?: unknown; destination?: Destination__Output | null };
    return {
      host: boundedString(item.host, at(rsPath, 'host'), HOST_NAME),
      destination: destination(present(item.destination, at(rsPath, 'destination'), 'address, port, weight and forwarding'), at(rsPath, 'destination')),
    };
  });
  const healthCheck = wire.healthCheck ? healthCheckSpec(wire.healthCheck, at(path, 'healthCheck')) : undefined;
  const sorry = wire.sorryServer
    ? sorryServer(destination(wire.sorryServer, at(path, 'sorryServer')), { service, realservers, healthCheck }, at(path, 'sorryServer'))
    : undefined;
  return { name, service, realservers, ...(healthCheck ? { healthCheck } : {}), ...(sorry ? { sorryServer: sorry } : {}) };
}

export function virtualService(wire: VirtualService__Output, path: FieldPath): VirtualService {
  const key = serviceKey(present(wire.key, at(path, 'key'), 'a fwmark or a protocol, vip and port'), at(path, 'key'));
  const scheduler = oneOf(wire.scheduler, SCHEDULERS, at(path, 'scheduler'));
  const flags = boundedList(wire.flags, at(path, 'flags'), LIMITS.schedulerFlags).map((f, i) => {
    const flagPath = at(at(path, 'flags'), i);
    const flag = oneOf(f, SCHEDULER_FLAGS, flagPath);
    if (!(FLAGS_OF_SCHEDULER[scheduler] ?? []).includes(flag)) fail(flagPath, `is not a flag of scheduler "${scheduler}"`);
    return flag;
  });
  if (!wire.persistence) {
    if (key.kind !== 'fwmark' && key.port === 0) fail(at(path, 'persistence'), 'is required for a port-0 service (IPVS refuses one without it)');
    return { key, scheduler, flags };
  }
  const pPath = at(path, 'persistence');
  const timeout = intIn(wire.persistence.timeoutSeconds, 1, MAX_PERSISTENCE_SECONDS, at(pPath, 'timeoutSeconds'));
  const netmask = persistenceNetmask(wire.persistence.netmask, at(pPath, 'netmask'));
  return { key, scheduler, flags, persistence: { timeout, ...(netmask ? { netmask } : {}) } };
}

function persistenceNetmask(value: unknown, path: FieldPath): string | undefined {
  const text = optionalString(value, path, { max: 39 });
  if (text === undefined) return undefined;
  if (/^\d{1,3}$/.test(text) && Number(text) >= 1 && Number(text) <= 128) return text;
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(text) && text.split('.').every((o) => Number(o) <= 255)) return text;
  fail(path, 'must be an IPv4 netmask such as "255.255.255.0" or an IPv6 prefix length 1..128');
}

export function serviceKey(wire: ServiceKey__Output, path: FieldPath): ServiceKey {
  if (wire.key === 'fwmark' && wire.fwmark) {
    return {
      kind: 'fwmark',
      mark: intIn(wire.fwmark.mark, 1, MAX_MARK, at(at(path, 'fwmark'), 'mark')),
      family: enumValue(wire.fwmark.family, ADDRESS_FAMILY, at(at(path, 'fwmark'), 'family')),
    };
  }
  if (wire.key === 'port' && wire.port) {
    const p = at(path, 'port');
    return {
      kind: enumValue(wire.port.protocol, PROTOCOL, at(p, 'protocol')),
      vip: ipAddress(wire.port.vip, at(p, 'vip')),
      port: intIn(wire.port.port, 0, 65535, at(p, 'port')),
    };
  }
  fail(path, 'is missing: a service key is a fwmark or a protocol, vip and port');
}

export function destination(wire: Destination__Output, path: FieldPath): Destination {
  return {
    address: ipAddress(wire.address, at(path, 'address')),
    port: intIn(wire.port, 0, 65535, at(path, 'port')),
    weight: intIn(wire.weight, 0, 65535, at(path, 'weight')),
    forwarding: enumValue(wire.forwarding, FORWARDING, at(path, 'forwarding')),
  };
}

function healthCheckSpec(wire: HealthCheckSpec__Output, path: FieldPath): HealthCheckSpec {
  const type = enumValue(wire.type, HEALTH_CHECK_TYPE, at(path, 'type'));
  const checkPath = type === 'http' || type === 'https'
    ? boundedString(wire.path, at(path, 'path'), { max: LIMITS.healthPath, pattern: /^\/[\x21-\x7e]*$/, shape: 'a URL path starting with "/", without spaces' })
    : '';
  const expectStatus = intIn(wire.expectStatus, 0, 599, at(path, 'expectStatus'));
  if (expectStatus !== 0 && expectStatus < 100) fail(at(path, 'expectStatus'), 'must be 0 (any 2xx or 3xx) or 100..599');
  // UNSPECIFIED (or a plan from a controller that predates the field): absent, i.e. keep-last.
  const allDown = wire.allDown === 'ALL_DOWN_POLICY_UNSPECIFIED' || wire.allDown === undefined
    ? undefined
    : enumValue(wire.allDown, ALL_DOWN_POLICY, at(path, 'allDown'));
  return {
    type,
    port: intIn(wire.port, 1, 65535, at(path, 'port')),
    path: checkPath,
    expectStatus,
    intervalMs: intIn(wire.intervalMs, 1, MAX_CHECK_MS, at(path, 'intervalMs')),
    timeoutMs: intIn(wire.timeoutMs, 1, MAX_CHECK_MS, at(path, 'timeoutMs')),
    fall: intIn(wire.fall, 1, 100, at(path, 'fall')),
    rise: intIn(wire.rise, 1, 100, at(path, 'rise')),
    ...(allDown ? { allDown } : {}),
    ...healthExtrasFromWire(wire, type, path),
  };
}

/** "80" or "10000:12000" with N <= M <= 65535; `requireRange` refuses a single port. */
function portSpec(value: unknown, path: FieldPath, requireRange = false): string {
  const text = boundedString(value, path, { max: 11 });
  const m = PORT_SPEC.exec(text);
  const low = m ? Number(m[1]) : NaN;
  const high = m?.[2] !== undefined ? Number(m[2]) : low;
  if (!m || high > 65535 || low > high || (requireRange && m[2] === undefined)) {
    fail(path, requireRange ? 'must be a port range "N:M" with N <= M <= 65535' : 'must be a port "N" or a range "N:M" with N <= M <= 65535');
  }
  return text;
}

function markRule(wire: MarkRule__Output, path: FieldPath): MarkRule {
  const inInterface = optionalString(wire.inInterface, at(path, 'inInterface'), INTERFACE);
  return {
    mark: intIn(wire.mark, 1, MAX_MARK, at(path, 'mark')),
    protocol: enumValue(wire.protocol, PROTOCOL, at(path, 'protocol')),
    destination: ipAddress(wire.destination, at(path, 'destination')),
    ports: boundedList(wire.ports, at(path, 'ports'), LIMITS.portsPerMark, 1).map((p, i) => portSpec(p, at(at(path, 'ports'), i))),
    ...(inInterface ? { inInterface } : {}),
  };
}

function* realserverPlan(wire: RealserverPlan__Output, cluster: string, host: string, generation: number): Pausable<RealserverPlan> {
  const duties: RealserverDuty[] = [];
  for (const [i, d] of boundedList(wire.duties, 'duties', LIMITS.duties).entries()) {
    duties.push(realserverDuty(d as RealserverDuty__Output, at('duties', i)));
    yield;
  }
  const plan: RealserverPlan = {
    role: 'realserver',
    cluster,
    host,
    generation,
    address: ipAddress(wire.address, 'address'),
    prepare: bool(wire.prepare, 'prepare'),
    duties,
  };
  if (wire.ftp) {
    plan.ftp = {
      server: enumValue(wire.ftp.server, FTP_SERVER_KIND, 'ftp.server'),
      config: boundedString(wire.ftp.config, 'ftp.config', { max: LIMITS.path, pattern: /^\//, shape: 'an absolute path, e.g. "/etc/vsftpd.conf"' }),
    };
  }
  return plan;
}

function realserverDuty(wire: RealserverDuty__Output, path: FieldPath): RealserverDuty {
  const addresses = (field: 'vips' | 'directors', min: number): string[] =>
    boundedList(wire[field], at(path, field), LIMITS.addressesPerDuty, min).map((a, i) => ipAddress(a, at(at(path, field), i)));
  const passive = wire.ftpPassivePorts ? portSpec(wire.ftpPassivePorts, at(path, 'ftpPassivePorts'), true) : undefined;
  const ports = boundedList(wire.ports, at(path, 'ports'), LIMITS.portsPerDuty).map((p, i) => intIn(p, 1, 65535, at(at(path, 'ports'), i)));
  return {
    service: boundedString(wire.service, at(path, 'service'), SERVICE_NAME),
    forwarding: enumValue(wire.forwarding, FORWARDING, at(path, 'forwarding')),
    vips: addresses('vips', 1),
    directors: addresses('directors', 0),
    ...(passive ? { ftpPassivePorts: passive } : {}),
    ...(ports.length > 0 ? { ports } : {}),
  };
}
