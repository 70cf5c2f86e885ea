// The controller's side of the wire: a domain HostPlan → its proto message.
import type { AllDownPolicy, DirectorService, HealthCheckSpec, HostPlan, RealserverDuty } from '../host-plan';
import type { Destination, MarkRule, ServiceKey, VirtualService } from '../model';
import type { HostPlan as WireHostPlan } from '../../proto/generated/lvsctl/v1/HostPlan';
import type { DirectorService as WireDirectorService } from '../../proto/generated/lvsctl/v1/DirectorService';
import type { VirtualService as WireVirtualService } from '../../proto/generated/lvsctl/v1/VirtualService';
import type { ServiceKey as WireServiceKey } from '../../proto/generated/lvsctl/v1/ServiceKey';
import type { Destination as WireDestination } from '../../proto/generated/lvsctl/v1/Destination';
import { healthExtrasToWire } from './health-check-extras';
import type { HealthCheckSpec as WireHealthCheckSpec } from '../../proto/generated/lvsctl/v1/HealthCheckSpec';
import type { MarkRule as WireMarkRule } from '../../proto/generated/lvsctl/v1/MarkRule';
import type { RealserverDuty as WireRealserverDuty } from '../../proto/generated/lvsctl/v1/RealserverDuty';
import { vrrpPlanToWire } from './vrrp-codec';
import { ADDRESS_FAMILY, FORWARDING, FTP_SERVER_KIND, HEALTH_CHECK_TYPE, PROTOCOL, wireName } from './enum-names';
import { runToEnd, type Pausable } from '../yield-point';

/** ALL_DOWN_POLICY_UNSPECIFIED (absent) means keep-last too, so an older controller's plans keep today's behaviour. */
export const ALL_DOWN_POLICY = {
  ALL_DOWN_POLICY_KEEP_LAST: 'keep-last',
  ALL_DOWN_POLICY_QUIESCE: 'quiesce',
} as const satisfies Record<string, AllDownPolicy>;

export function hostPlanToWire(plan: HostPlan): WireHostPlan {
  return runToEnd(hostPlanToWireSteps(plan));
}

/** hostPlanToWire, pausing after each service or duty (20,000 services x 10 take a second). */
export function* hostPlanToWireSteps(plan: HostPlan): Pausable<WireHostPlan> {
  const common = { cluster: plan.cluster, host: plan.host, generation: String(plan.generation) };
  if (plan.role === 'director') {
    const services: WireDirectorService[] = [];
    for (const s of plan.services) {
      services.push(directorServiceToWire(s));
      yield;
    }
    return { ...common, director: { services, marks: plan.marks.map(markRuleToWire), ...(plan.vrrp ? { vrrp: vrrpPlanToWire(plan.vrrp) } : {}) } };
  }
  const duties: WireRealserverDuty[] = [];
  for (const d of plan.duties) {
    duties.push(dutyToWire(d));
    yield;
  }
  return {
    ...common,
    realserver: {
      address: plan.address,
      prepare: plan.prepare,
      duties,
      ...(plan.ftp ? { ftp: { server: wireName(FTP_SERVER_KIND, plan.ftp.server), config: plan.ftp.config } } : {}),
    },
  };
}

export function directorServiceToWire(s: DirectorService): WireDirectorService {
  return {
    name: s.name,
    service: virtualServiceToWire(s.service),
    realservers: s.realservers.map((r) => ({ host: r.host, destination: destinationToWire(r.destination) })),
    ...(s.healthCheck ? { healthCheck: healthCheckToWire(s.healthCheck) } : {}),
    ...(s.sorryServer ? { sorryServer: destinationToWire(s.sorryServer) } : {}),
  };
}

export function virtualServiceToWire(s: VirtualService): WireVirtualService {
  return {
    key: serviceKeyToWire(s.key),
    scheduler: s.scheduler,
    flags: [...s.flags],
    ...(s.persistence ? { persistence: { timeoutSeconds: s.persistence.timeout, netmask: s.persistence.netmask ?? '' } } : {}),
  };
}

export function serviceKeyToWire(key: ServiceKey): WireServiceKey {
  if (key.kind === 'fwmark') return { fwmark: { mark: key.mark, family: wireName(ADDRESS_FAMILY, key.family) } };
  return { port: { protocol: wireName(PROTOCOL, key.kind), vip: key.vip, port: key.port } };
}

export function destinationToWire(d: Destination): WireDestination {
  return { address: d.address, port: d.port, weight: d.weight, forwarding: wireName(FORWARDING, d.forwarding) };
}

export function healthCheckToWire(h: HealthCheckSpec): WireHealthCheckSpec {
  return {
    type: wireName(HEALTH_CHECK_TYPE, h.type),
    port: h.port,
    path: h.path,
    expectStatus: h.expectStatus,
    intervalMs: h.intervalMs,
    timeoutMs: h.timeoutMs,
    fall: h.fall,
    rise: h.rise,
    allDown: h.allDown ? wireName(ALL_DOWN_POLICY, h.allDown) : 'ALL_DOWN_POLICY_UNSPECIFIED',
    ...healthExtrasToWire(h),
  };
}

function markRuleToWire(m: MarkRule): WireMarkRule {
  return {
    mark: m.mark,
    protocol: wireName(PROTOCOL, m.protocol),
    destination: m.destination,
    ports: [...m.ports],
    inInterface: m.inInterface ?? '',
  };
}

function dutyToWire(d: RealserverDuty): WireRealserverDuty {
  return {
    service: d.service,
    forwarding: wireName(FORWARDING, d.forwarding),
    vips: [...d.vips],
    directors: [...d.directors],
    ftpPassivePorts: d.ftpPassivePorts ?? '',
    ports: [...(d.ports ?? [])],
  };
}
