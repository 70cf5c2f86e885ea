// The ownership file checked without zod (agent/state/ownership-shape.ts) accepts exactly what
// the zod schema accepts: files as the agent writes them, and any of them with one value
// replaced by something else, a key added or one removed.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { plainOwnershipSteps } from '../../../agent/state/ownership-shape';
import { schemaAccepts } from '../../../agent/state/ownership';
import { runToEnd } from '../../../lvs/yield-point';
import { fuzzParameters } from '../fuzz-runs';

const serviceKey = fc.oneof(
  fc.record({ kind: fc.constant('fwmark'), mark: fc.nat(), family: fc.constantFrom('inet', 'inet6') }),
  fc.record({ kind: fc.constantFrom('tcp', 'udp'), vip: fc.constantFrom('10.0.0.1', '2001:db8::1'), port: fc.integer({ min: 0, max: 65535 }) }),
);
const markRule = fc.record(
  { mark: fc.nat(), protocol: fc.constantFrom('tcp', 'udp'), destination: fc.constant('10.0.0.1'), ports: fc.array(fc.constantFrom('80', '5000:5010')), inInterface: fc.constant('eth0') },
  { requiredKeys: ['mark', 'protocol', 'destination', 'ports'] },
);
const draining = fc.record({ since: fc.nat(), service: serviceKey, address: fc.constant('10.0.0.2'), port: fc.integer({ min: 0, max: 65535 }) });
const file = fc.record(
  { version: fc.constantFrom(1, 2), generation: fc.nat(), services: fc.array(serviceKey, { maxLength: 5 }), markRules: fc.array(markRule, { maxLength: 3 }), draining: fc.array(draining, { maxLength: 3 }) },
  { requiredKeys: ['version', 'generation', 'services', 'markRules'] },
);
/** something in place of a value: numbers out of range, wrong types, empty strings, unknown kinds */
const other = fc.oneof(fc.constantFrom(-1, 1.5, 65536, 2 ** 53, '', 'x', null, true, [], {}, 'fwmark', 'sctp', 'inet'), fc.anything());

/** Every place in a JSON value, as a path of keys and indexes. */
function paths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (typeof value === 'object' && value !== null) return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

function replaced(value: unknown, path: Array<string | number>, by: (old: unknown) => unknown): unknown {
  if (path.length === 0) return by(value);
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  const next = replaced(copy[head], rest, by);
  // removed: a key goes, an array element goes (JSON has no holes)
  if (next !== undefined) copy[head] = next;
  else if (Array.isArray(copy)) (copy as unknown[]).splice(head as number, 1);
  else delete copy[head];
  return copy;
}

const plainAccepts = (json: unknown): boolean => runToEnd(plainOwnershipSteps(json)) !== undefined;

describe('the ownership file checked without zod', () => {
  it('accepts every file as the agent writes it, as the schema does', () => {
    fc.assert(fc.property(file, (f) => plainAccepts(f) && schemaAccepts(f)), fuzzParameters(200));
  });

  it('agrees with the schema on a file with one value replaced, a key added or a key removed', () => {
    const mutated = file.chain((f) => {
      const all = paths(f);
      return fc.tuple(fc.constantFrom(...all), other, fc.constantFrom('replace', 'add', 'remove'), fc.constantFrom('extra', 'kind', 'mark', 'inInterface')).map(([path, value, how, key]) =>
        replaced(f, path, (old) => {
          if (how === 'replace') return value;
          if (how === 'remove') return undefined;
          return typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, [key]: value } : value;
        }));
    });
    fc.assert(fc.property(mutated, (m) => {
      assert.equal(plainAccepts(m), schemaAccepts(m), JSON.stringify(m));
    }), fuzzParameters(2000));
  });
});
