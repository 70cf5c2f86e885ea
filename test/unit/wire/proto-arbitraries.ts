// Random protobuf messages of agent.proto, built from the descriptors proto-loader reads:
// every field of the right wire type, values drawn from the edges (empty, too long, out of
// range, unknown enum numbers, NUL, shell characters) and from plausible ones, so that
// random plans get past the first checks often enough to reach the deep ones.
import fc from 'fast-check';
import { loadSync, type MessageTypeDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { agentProtoPath } from '../../../lvs/wire/proto-source';

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}

interface MessageDescriptor {
  field: FieldDescriptor[];
}

interface EnumDescriptor {
  value: Array<{ name: string; number: number }>;
}

/** The same options as lvs/wire/proto-loader.ts, so decoding here is what the agent sees. */
export const PACKAGE: PackageDefinition = loadSync(agentProtoPath(), { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function typeOf(name: string): MessageDescriptor | EnumDescriptor {
  return (PACKAGE[`lvsctl.v1.${name}`] as MessageTypeDefinition<unknown, unknown>).type as unknown as MessageDescriptor | EnumDescriptor;
}


const plausibleStrings = [
  '', 'x', 'lvs1', 'web1', 'shop', 'test-cluster', '10.0.0.1', '10.0.0.100', '10.0.0.300', '::1', '2001:db8::1', 'fe80::1%eth0',
  '0.0.0.0', '255.255.255.0', 'eth0', 'lo', 'rr', 'wlc', 'sh', 'mh', 'sh-port', 'sh-fallback', 'mh-port', 'flag-1', '80', '21',
  '1024:2048', '2048:1024', '0:0', '/etc/vsftpd.conf', '/health', 'health', 'tcp', 'udp', 'http', 'a\0b', '$(reboot)', '; rm -rf /',
  'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(254), 'é', '\u202e', ' ',
];

/** Valid values of some fields by name: without them nearly every random plan stops at its first field. */
const validByName: Record<string, string[]> = {
  cluster: ['shop', 'test-1'],
  host: ['lvs1', 'web1', 'web-2.example'],
  name: ['web', 'shop-1'],
  address: ['10.0.0.11', '2001:db8::11'],
  vip: ['10.0.0.100', '2001:db8::100'],
  vips: ['10.0.0.100'],
  directors: ['10.0.0.1'],
  scheduler: ['rr', 'wlc', 'sh', 'mh'],
  flags: ['sh-port', 'sh-fallback', 'mh-port'],
  netmask: ['255.255.255.0', '255.255.255.255'],
  inInterface: ['eth0'],
  ports: ['80', '1024:2048'],
  ftpPassivePorts: ['30000:30100'],
  path: ['/health'],
  config: ['/etc/vsftpd.conf'],
};

function stringValue(field: string): fc.Arbitrary<string> {
  const valid = validByName[field];
  return fc.oneof(
    { weight: valid ? 15 : 0, arbitrary: fc.constantFrom(...(valid ?? [''])) },
    { weight: 3, arbitrary: fc.constantFrom(...plausibleStrings) },
    { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  );
}
const edges = [0, 1, 2, 3, 10, 21, 80, 255, 256, 360, 1000, 1001, 65535, 65536, 86_400, 2_678_400, 2_678_401, 3_600_000, 2 ** 31 - 1];
const uintValue = fc.oneof(fc.constantFrom(...edges, 2 ** 32 - 1), fc.integer({ min: 0, max: 70_000 }), fc.nat());
const intValue = fc.oneof(uintValue, fc.integer({ min: -(2 ** 31), max: -1 }));
const uint64Value = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '9007199254740991', '9007199254740992', '18446744073709551615') },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String) },
);

function enumValue(name: string): fc.Arbitrary<string | number> {
  const values = (typeOf(name) as EnumDescriptor).value;
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values.map((v) => v.name)) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) });
}

function scalar(field: FieldDescriptor, depth: number): fc.Arbitrary<unknown> | undefined {
  switch (field.type) {
    case 'TYPE_STRING': return stringValue(camel(field.name));
    case 'TYPE_BYTES': return fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b));
    case 'TYPE_BOOL': return fc.boolean();
    case 'TYPE_UINT32': case 'TYPE_FIXED32': return uintValue;
    case 'TYPE_INT32': case 'TYPE_SINT32': case 'TYPE_SFIXED32': return intValue;
    case 'TYPE_UINT64': case 'TYPE_INT64': case 'TYPE_FIXED64': case 'TYPE_SINT64': case 'TYPE_SFIXED64': return uint64Value;
    case 'TYPE_DOUBLE': case 'TYPE_FLOAT': return fc.double({ noNaN: true });
    case 'TYPE_ENUM': return enumValue(field.typeName);
    case 'TYPE_MESSAGE': return depth > 0 ? messageOf(field.typeName, depth - 1) : undefined;
    default: throw new Error(`proto type ${field.type} of ${field.name} has no arbitrary`);
  }
}

const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

/** A random message of type `name` (e.g. "HostPlan"), nested at most `depth` messages deep. */
export function messageOf(name: string, depth = 6): fc.Arbitrary<Record<string, unknown>> {
  const key = `${name}/${depth}`;
  const known = cache.get(key);
  if (known) return known;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of (typeOf(name) as MessageDescriptor).field) {
    const value = scalar(field, depth);
    if (!value) continue;
    // most fields present, so that a random plan often gets past its first checks
    fields[camel(field.name)] = fc.option(field.label === 'LABEL_REPEATED' ? fc.array(value, { maxLength: 2 }) : value, { freq: 6, nil: undefined });
  }
  const arbitrary = fc.record(fields);
  cache.set(key, arbitrary);
  return arbitrary;
}
