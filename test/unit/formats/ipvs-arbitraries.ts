// fast-check generators of IPVS tables as the kernel could hold them, for round-trip tests.
import fc from 'fast-check';
import {
  FLAGS_OF_SCHEDULER,
  FORWARDING_METHODS,
  SCHEDULERS,
  destinationKeyString,
  serviceKeyString,
  type Destination,
  type IpvsService,
  type ServiceKey,
  type VirtualService,
} from '../../../lvs/model';

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();

const serviceKey: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('tcp' as const, 'udp' as const),
    vip: fc.oneof(ipv4, ipv6),
    port: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 })),
  }),
  fc.record({
    kind: fc.constant('fwmark' as const),
    mark: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    family: fc.constantFrom('inet' as const, 'inet6' as const),
  }),
);

function isV6(key: ServiceKey): boolean {
  return key.kind === 'fwmark' ? key.family === 'inet6' : key.vip.includes(':');
}

function dottedMask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

/** A netmask that is not the default (ipvsadm leaves the default out, so it cannot round-trip). */
function netmaskFor(key: ServiceKey): fc.Arbitrary<string> {
  return isV6(key) ? fc.integer({ min: 1, max: 127 }).map(String) : fc.integer({ min: 1, max: 31 }).map(dottedMask);
}

function virtualService(key: ServiceKey): fc.Arbitrary<VirtualService> {
  return fc.constantFrom(...SCHEDULERS).chain((scheduler) =>
    fc.record(
      {
        key: fc.constant(key),
        scheduler: fc.constant(scheduler),
        flags: fc.subarray([...(FLAGS_OF_SCHEDULER[scheduler] ?? [])]),
        persistence: fc.record(
          { timeout: fc.integer({ min: 1, max: 31 * 24 * 3600 }), netmask: netmaskFor(key) },
          { requiredKeys: ['timeout'] },
        ),
      },
      { requiredKeys: ['key', 'scheduler', 'flags'] },
    ),
  );
}

function destinations(key: ServiceKey): fc.Arbitrary<Destination[]> {
  const fixedPort = key.kind === 'fwmark' || key.port === 0;
  return fc.uniqueArray(
    fc.record({
      address: isV6(key) ? ipv6 : ipv4,
      port: fixedPort ? fc.constant(0) : fc.integer({ min: 1, max: 65535 }),
      weight: fc.integer({ min: 0, max: 65535 }),
      forwarding: fc.constantFrom(...FORWARDING_METHODS),
    }),
    { selector: destinationKeyString, maxLength: 6 },
  );
}

export const ipvsTable: fc.Arbitrary<IpvsService[]> = fc
  .uniqueArray(serviceKey, { selector: serviceKeyString, maxLength: 8 })
  .chain((keys) =>
    fc.tuple(...keys.map((key) => fc.record({ service: virtualService(key), destinations: destinations(key) }))),
  );
