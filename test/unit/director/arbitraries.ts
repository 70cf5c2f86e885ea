// Random IPVS tables for property tests, over small key spaces so that desired, actual
// and owned overlap often.
import fc from 'fast-check';
import { serviceKeyString, type Destination, type IpvsService, type ServiceKey } from '../../../lvs/model';

export const serviceKey: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({ kind: fc.constant('fwmark' as const), mark: fc.integer({ min: 1, max: 3 }), family: fc.constant('inet' as const) }),
  fc.record({ kind: fc.constantFrom('tcp' as const, 'udp' as const), vip: fc.constant('10.0.0.100'), port: fc.constantFrom(0, 80, 443) }),
);
export const destination: fc.Arbitrary<Destination> = fc.record({
  address: fc.constantFrom('10.0.0.11', '10.0.0.12', '10.0.0.13'),
  port: fc.constantFrom(0, 80),
  weight: fc.integer({ min: 0, max: 3 }),
  forwarding: fc.constantFrom('dr' as const, 'nat' as const, 'tun' as const),
});
export const ipvsService: fc.Arbitrary<IpvsService> = fc
  .tuple(
    serviceKey,
    fc.constantFrom('rr' as const, 'wlc' as const, 'sh' as const),
    fc.boolean(),
    fc.option(fc.constantFrom(300, 360), { nil: undefined }),
    fc.uniqueArray(destination, { selector: (d) => `${d.address}:${d.port}`, maxLength: 3 }),
  )
  .map(([key, scheduler, shPort, timeout, destinations]) => ({
    service: {
      key: { ...key },
      scheduler,
      flags: shPort ? ['sh-port' as const] : [],
      ...(timeout === undefined ? {} : { persistence: { timeout } }),
    },
    destinations: destinations.map((d) => ({ ...d })),
  }));
export const ipvsTable = fc.uniqueArray(ipvsService, { selector: (s) => serviceKeyString(s.service.key), maxLength: 5 });

