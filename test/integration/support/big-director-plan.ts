// A director plan of NAT services on distinct VIPs, `destinations` realservers each: the
// sizes the issue names (2,000 and 20,000 services x 10).
import type { DirectorPlan } from '../../../lvs/host-plan';

export function bigDirectorPlan(services: number, destinations: number, generation = 1): DirectorPlan {
  return {
    role: 'director', cluster: 'big', host: 'lvs1', generation, marks: [],
    services: Array.from({ length: services }, (_, i) => ({
      name: `s${i}`,
      service: { key: { kind: 'tcp' as const, vip: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 80 }, scheduler: 'wlc' as const, flags: [] },
      realservers: Array.from({ length: destinations }, (_, r) => ({
        host: `rs${r}`, destination: { address: `192.168.${r}.${1 + (i % 250)}`, port: 8080, weight: 1, forwarding: 'nat' as const },
      })),
    })),
  };
}
