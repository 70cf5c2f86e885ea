// Arbitrary director services as the controller compiles them (domain objects), for the
// tests of the wire's own writer and reader of their bytes.
import fc from 'fast-check';
import type { DirectorService, HealthCheckSpec } from '../../../lvs/host-plan';
import { SCHEDULERS, SCHEDULER_FLAGS, type Destination, type ServiceKey } from '../../../lvs/model';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const address = fc.oneof(ipv4, ipv6);
const port = fc.nat(65535);
// host names and service names are checked ASCII on both sides; other text still goes out as UTF-8
// (a long one makes a realserver or a key a nested message of 128 bytes or more, whose length takes two)
const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ minLength: 100, maxLength: 400 }),
);

const destination: fc.Arbitrary<Destination> = fc.record({
  address,
  port,
  weight: fc.nat(65535),
  forwarding: fc.constantFrom('dr' as const, 'nat' as const, 'tun' as const),
});

const serviceKey: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({ kind: fc.constant('fwmark' as const), mark: fc.integer({ min: 1, max: 2 ** 32 - 1 }), family: fc.constantFrom('inet' as const, 'inet6' as const) }),
  fc.record({ kind: fc.constantFrom('tcp' as const, 'udp' as const), vip: address, port }),
);

const healthChecks: HealthCheckSpec[] = [
  { type: 'http', port: 80, path: '/health', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 3, rise: 2 },
  {
    type: 'https', port: 443, path: '/health', expectStatus: 204, intervalMs: 2000, timeoutMs: 1000, fall: 3, rise: 2, allDown: 'quiesce',
    connectTimeoutMs: 200, readTimeoutMs: 300,
    http: { hostHeader: 'shop.example.test', statuses: [200, 204], bodyDigest: { algorithm: 'md5', hex: '0123456789abcdef0123456789abcdef' } },
    tls: { verify: true, caFile: '/etc/lvsctl/ca.pem', serverName: 'shop.example.test' },
  },
  { type: 'dns', port: 53, path: '', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 1, rise: 1, dns: { name: 'www.example.test', recordType: 'A', expect: ['10.0.0.100'] } },
  { type: 'exec', port: 80, path: '', expectStatus: 0, intervalMs: 5000, timeoutMs: 2000, fall: 2, rise: 2, allDown: 'keep-last', exec: { command: '/etc/lvsctl/checks/db', args: ['{address}', '{port}'], uid: 65534, gid: 65534 } },
];

export const directorService: fc.Arbitrary<DirectorService> = fc.record({
  name,
  service: fc.record({
    key: serviceKey,
    scheduler: fc.constantFrom(...SCHEDULERS),
    flags: fc.subarray([...SCHEDULER_FLAGS]),
    persistence: fc.option(fc.record({ timeout: fc.integer({ min: 1, max: 31 * 24 * 3600 }), netmask: fc.option(fc.constantFrom('255.255.255.0', '64'), { nil: undefined }) }, { requiredKeys: ['timeout'] }), { nil: undefined }),
  }, { requiredKeys: ['key', 'scheduler', 'flags'] }),
  realservers: fc.array(fc.record({ host: name, destination }), { maxLength: 20 }),
  healthCheck: fc.option(fc.constantFrom(...healthChecks), { nil: undefined }),
  sorryServer: fc.option(destination, { nil: undefined }),
}, { requiredKeys: ['name', 'service', 'realservers'] });
