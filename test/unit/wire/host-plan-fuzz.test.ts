// Fuzz of the agent's edge: ApplyRequests as the wire can carry them (random messages of
// agent.proto, valid plans with one field garbled, random bytes) go through the agent's own
// decoding (lvs/wire/apply-request-codec.ts). Whatever arrives, the answer is a plan, a
// WireFieldError naming a field or a MessageDecodeError, quickly; never another exception,
// never a hang.
// A plan it accepts survives the trip back over the wire unchanged.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { ServiceDefinition } from '@grpc/proto-loader';
import type { HostPlan } from '../../../lvs/host-plan';
import { WireFieldError } from '../../../lvs/wire/checks';
import { decodeApplyRequest, encodeApplyRequest } from '../../../lvs/wire/apply-request-codec';
import { MessageDecodeError } from '../../../lvs/wire/sliced-message-codec';
import { runToEnd } from '../../../lvs/yield-point';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { fuzzParameters, fuzzTimeoutMs, timed } from '../fuzz-runs';
import { PACKAGE, messageOf } from './proto-arbitraries';
import { directorPlan, realserverPlan } from './sample-host-plans';

const apply = (PACKAGE['lvsctl.v1.Agent'] as ServiceDefinition).Apply;
const encode = (request: object): Buffer => apply.requestSerialize(request);

/**
 * What the agent's parseRequest does with the bytes of a request: the plan, a WireFieldError
 * naming a field, or a MessageDecodeError (not protobuf); anything else fails the test.
 */
function decodeOnAgent(bytes: Uint8Array): HostPlan | WireFieldError | MessageDecodeError {
  return timed(1000, 'decoding one request', () => {
    try {
      return runToEnd(decodeApplyRequest(bytes)).plan;
    } catch (err) {
      if (err instanceof WireFieldError) {
        assert.ok(err.path !== '' && err.message.startsWith(`${err.path}: `), `a refusal names its field: ${err.message}`);
        return err;
      }
      if (err instanceof MessageDecodeError) return err;
      throw err;
    }
  });
}

function roundTrips(plan: HostPlan): void {
  const again = runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('check', plan)))).plan;
  assert.deepStrictEqual(again, plan);
}

type Path = Array<string | number>;

/** Every path to a leaf (or an empty list) of a wire object. */
function leaves(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? [path] : keys.flatMap((k) => leaves((value as Record<string, unknown>)[k], [...path, k]));
  }
  return [path];
}

function replaced(value: unknown, path: Path, by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, by) : v));
  const object = value as Record<string, unknown>;
  return { ...object, [head]: replaced(object[head], rest, by) };
}

const garbage = fc.oneof(
  fc.constantFrom<unknown>('', 'x', '10.0.0.300', '::', 'a\0b', '$(reboot)', 'x'.repeat(300), 0, -1, 65536, 2 ** 32, 2 ** 53, 1.5, true, 'PROTOCOL_UNSPECIFIED', 99, [], {}),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);

const wirePlans = [directorPlan(3), realserverPlan(3)].map((p) => hostPlanToWire(p));

describe('fuzz: the agent\'s decoding of ApplyRequest plans', function () {
  this.timeout(fuzzTimeoutMs());

  it('answers a plan or a WireFieldError to random ApplyRequest messages, and an accepted plan round-trips', () => {
    let accepted = 0;
    const parameters = fuzzParameters(1500);
    fc.assert(
      fc.property(messageOf('ApplyRequest'), (request) => {
        const result = decodeOnAgent(encode(request));
        if (!(result instanceof WireFieldError) && !(result instanceof MessageDecodeError)) {
          accepted += 1;
          roundTrips(result);
        }
      }),
      parameters,
    );
    // the generator keeps reaching plans the agent accepts (a few percent), not only first-field refusals
    if ((parameters.numRuns ?? 0) >= 1000) assert.ok(accepted > 0, 'no random plan was accepted');
  });

  it('answers a plan or a WireFieldError to valid plans with one field garbled, and an accepted plan round-trips', () => {
    fc.assert(
      fc.property(fc.constantFrom(...wirePlans), fc.nat(), garbage, fc.constantFrom('APPLY_MODE_CHECK', 'APPLY_MODE_APPLY'), (plan, pick, value, mode) => {
        const paths = leaves(plan);
        const garbled = replaced(plan, paths[pick % paths.length], value);
        let bytes: Buffer;
        try {
          bytes = encode({ mode, plan: garbled });
        } catch {
          return; // not a message a gRPC client can send
        }
        const result = decodeOnAgent(bytes);
        if (!(result instanceof WireFieldError) && !(result instanceof MessageDecodeError)) roundTrips(result);
      }),
      fuzzParameters(1500),
    );
  });

  it('answers a plan or a WireFieldError to whatever random bytes decode to', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...wirePlans).chain((p) => {
        const bytes = encode({ mode: 'APPLY_MODE_APPLY', plan: p });
        return fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
          const copy = Uint8Array.from(bytes);
          copy[at % copy.length] = byte;
          return copy;
        });
      })), (bytes) => {
        decodeOnAgent(bytes);
      }),
      fuzzParameters(1500),
    );
  });
});
