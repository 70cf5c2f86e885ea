// The Apply request's bytes, both ways, a service (or a duty) at a time: the controller
// encodes, the agent decodes and checks, each giving the event loop its turn between slices
// (lvs/yield-point.ts) so an agent busy with a 20,000-service plan still answers Hello, and a
// controller encoding one still keeps its other agents' streams moving. gRPC carries the
// bytes as they are (rawApplyMethod): neither side runs proto-loader's one-piece codec on them.
import type { MethodDefinition } from '@grpc/grpc-js';
import type { ApplyMode } from '../apply-events';
import type { HostPlan } from '../host-plan';
import type { Pausable } from '../yield-point';
import type { ApplyRequest__Output } from '../../proto/generated/lvsctl/v1/ApplyRequest';
import type { HostPlan__Output } from '../../proto/generated/lvsctl/v1/HostPlan';
import { enumValue } from './checks';
import { APPLY_MODE, wireName } from './enum-names';
import { hostPlanFromWireSteps } from './host-plan-decode';
import { hostPlanToWireSteps } from './host-plan-encode';
import { agentProtoType, CONVERSION_OPTIONS } from './proto-types';
import { decodeSliced, encodeSliced, type SliceSpec } from './sliced-message-codec';

/** The big lists of an ApplyRequest: a director's services, a realserver's duties. */
const APPLY_REQUEST_SLICES: SliceSpec = { plan: { director: { services: 'each' }, realserver: { duties: 'each' } } };

export function* encodeApplyRequest(mode: ApplyMode, plan: HostPlan): Pausable<Buffer> {
  const wire = yield* hostPlanToWireSteps(plan);
  const bytes = yield* encodeSliced(agentProtoType('ApplyRequest'), { mode: wireName(APPLY_MODE, mode), plan: wire }, APPLY_REQUEST_SLICES);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The request as the agent accepts it, or a MessageDecodeError (not protobuf) or a
 * WireFieldError (protobuf, but a field is wrong: it names the field).
 */
export function* decodeApplyRequest(bytes: Uint8Array): Pausable<{ mode: ApplyMode; plan: HostPlan }> {
  const request = (yield* decodeSliced(agentProtoType('ApplyRequest'), bytes, APPLY_REQUEST_SLICES, CONVERSION_OPTIONS)) as unknown as ApplyRequest__Output;
  const mode = enumValue(request.mode, APPLY_MODE, 'mode');
  const plan = yield* hostPlanFromWireSteps(request.plan as HostPlan__Output | null);
  return { mode, plan };
}

/**
 * The Apply method with bytes in place of objects for the request: the codec above does the
 * work. (Its handler then receives a Buffer as `call.request`, whatever the generated types say.)
 */
export function rawApplyMethod<M extends MethodDefinition<object, object>>(method: M): M {
  const passThrough = (bytes: Buffer): Buffer => bytes;
  return { ...method, requestSerialize: passThrough, requestDeserialize: passThrough };
}
