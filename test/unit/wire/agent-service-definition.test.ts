// lvs/wire/proto-loader.ts builds the Agent service from the one protobufjs Root instead of
// running @grpc/proto-loader: its methods must be proto-loader's, byte for byte and object
// for object, or client and agent would disagree with a peer that uses proto-loader.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadAgentProto } from '../../../lvs/wire/proto-loader';
import { PACKAGE, messageOf } from './proto-arbitraries';

const ours = loadAgentProto().lvsctl.v1.Agent.service as unknown as ServiceDefinition;
const theirs = PACKAGE['lvsctl.v1.Agent'] as ServiceDefinition;

/** The message names of a method, read from proto-loader's descriptors. */
function messageNames(method: string): { request: string; response: string } {
  const m = (theirs[method] as unknown as { requestType: { type: { name: string } }; responseType: { type: { name: string } } });
  return { request: m.requestType.type.name, response: m.responseType.type.name };
}

describe('the Agent service definition (built from the shared protobufjs root)', () => {
  it('has the methods, paths, streaming and client names of @grpc/proto-loader\'s', () => {
    const shape = (def: ServiceDefinition) => Object.fromEntries(Object.entries(def).map(([name, m]) => [name, [m.path, m.requestStream, m.responseStream, m.originalName]]));
    assert.deepEqual(shape(ours), shape(theirs));
    assert.ok(Object.keys(ours).length >= 5, `methods: ${Object.keys(ours).join(', ')}`);
  });

  for (const method of Object.keys(theirs)) {
    it(`${method}: encodes and decodes random messages as proto-loader does`, () => {
      const names = messageNames(method);
      for (const [side, name] of [['request', names.request], ['response', names.response]] as const) {
        const serialize = side === 'request' ? 'requestSerialize' : 'responseSerialize';
        const deserialize = side === 'request' ? 'requestDeserialize' : 'responseDeserialize';
        fc.assert(fc.property(messageOf(name, 3), (message) => {
          let expected: Buffer | Error;
          try {
            expected = theirs[method][serialize](message);
          } catch (err) {
            expected = err as Error;
          }
          if (expected instanceof Error) {
            assert.throws(() => ours[method][serialize](message), { message: expected.message });
            return;
          }
          assert.deepEqual(Buffer.from(ours[method][serialize](message)), Buffer.from(expected), `${name} encoded differently`);
          assert.deepStrictEqual(ours[method][deserialize](expected), theirs[method][deserialize](expected), `${name} decoded differently`);
        }), { numRuns: 50 });
        assert.throws(() => ours[method][serialize]([] as unknown as object), /expected object with .* structure, got array instead/);
      }
    });
  }
});
