// Small builders for IPVS tables and director plans, so each test states only what it is about.
import type { DirectorPlan } from '../../../lvs/host-plan';
import type { Destination, IpvsService, MarkRule, Scheduler, ServiceKey, VirtualService } from '../../../lvs/model';

export const VIP = '10.0.0.100';

export function tcp(port: number, vip = VIP): ServiceKey {
  return { kind: 'tcp', vip, port };
}

export function fwmark(mark: number): ServiceKey {
  return { kind: 'fwmark', mark, family: 'inet' };
}

export function service(key: ServiceKey, settings: Partial<Omit<VirtualService, 'key'>> = {}): VirtualService {
  return { key, scheduler: 'rr' as Scheduler, flags: [], ...settings };
}

export function dest(address: string, settings: Partial<Omit<Destination, 'address'>> = {}): Destination {
  return { address, port: 80, weight: 1, forwarding: 'dr', ...settings };
}

export function table(...entries: Array<[VirtualService, Destination[]]>): IpvsService[] {
  return entries.map(([s, destinations]) => ({ service: s, destinations }));
}

export function markRule(mark: number, ports: string[], destination = VIP): MarkRule {
  return { mark, protocol: 'tcp', destination, ports };
}

/** A director plan holding these services (realserver names made up from addresses) and mark rules. */
export function directorPlan(services: IpvsService[], marks: MarkRule[] = [], generation = 1): DirectorPlan {
  return {
    role: 'director',
    cluster: 'test',
    host: 'd1',
    generation,
    services: services.map((s, i) => ({
      name: `svc${i}`,
      service: s.service,
      realservers: s.destinations.map((d) => ({ host: `rs-${d.address}`, destination: d })),
    })),
    marks,
  };
}
