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
import { bool, enumValue } from './checks';
import { APPLY_MODE, wireName } from './enum-names';
import { CheckedService, checkedDirectorService, hostPlanFromWireSteps } from './host-plan-decode';
import type { DecodedServices } from './decoded-services';
import type { DirectorService__Output } from '../../proto/generated/lvsctl/v1/DirectorService';
import { directorServicesAsField } from './director-service-bytes';
import { readDirectorServiceObject, StringTable } from './director-service-read';
import { hostPlanToWire, hostPlanToWireSteps } from './host-plan-encode';
import { agentProtoType, CONVERSION_OPTIONS } from './proto-types';
import { decodeSliced, encodeSliced, type ElementReaders, type ElementWriters, type SliceSpec } from './sliced-message-codec';

/** The big lists of an ApplyRequest: a director's services, a realserver's duties. */
const APPLY_REQUEST_SLICES: SliceSpec = { plan: { director: { services: 'each' }, realserver: { duties: 'each' } } };

/**
 * stepBatches: the sender takes steps in batches (accepts_step_batches); omitDiff: it will not
 * show the --diff text (omit_diff). A controller says so; a stored last plan need not.
 */
export function* encodeApplyRequest(mode: ApplyMode, plan: HostPlan, stepBatches = false, omitDiff = false): Pausable<Buffer> {
  // a director's services are written from the domain objects (director-service-bytes.ts), the rest of the plan through protobufjs
  const wire = plan.role === 'director' ? hostPlanToWire({ ...plan, services: [] }) : yield* hostPlanToWireSteps(plan);
  const writers: ElementWriters = plan.role === 'director' ? { 'plan.director.services': (field) => directorServicesAsField(plan.services, field) } : {};
  const request = { mode: wireName(APPLY_MODE, mode), plan: wire, acceptsStepBatches: stepBatches, omitDiff };
  const bytes = yield* encodeSliced(agentProtoType('ApplyRequest'), request, APPLY_REQUEST_SLICES, writers);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The request as the agent accepts it, or a MessageDecodeError (not protobuf) or a
 * WireFieldError (protobuf, but a field is wrong: it names the field). With `known`, a
 * director service whose bytes the last request also held is taken as decoded then.
 */
export function* decodeApplyRequest(bytes: Uint8Array, known?: DecodedServices): Pausable<{ mode: ApplyMode; plan: HostPlan; stepBatches: boolean; omitDiff: boolean }> {
  const session = known?.session();
  // a service in the form a controller writes is read by lvsctl (director-service-read.ts), any other through protobufjs
  const strings = new StringTable();
  const wireService = (body: Uint8Array, decode: () => Record<string, unknown>): DirectorService__Output =>
    readDirectorServiceObject(body, strings) ?? (decode() as unknown as DirectorService__Output);
  const readers: ElementReaders = {
    'plan.director.services': (body, decode, index) => {
      const service = session?.lookup(body);
      if (service !== undefined) return new CheckedService(service);
      const checked = checkedDirectorService(wireService(body, decode), index);
      session?.remember(body, checked.service);
      return checked;
    },
  };
  const request = (yield* decodeSliced(agentProtoType('ApplyRequest'), bytes, APPLY_REQUEST_SLICES, CONVERSION_OPTIONS, '', readers)) as unknown as ApplyRequest__Output;
  const mode = enumValue(request.mode, APPLY_MODE, 'mode');
  const plan = yield* hostPlanFromWireSteps(request.plan as HostPlan__Output | null);
  session?.settle();
  // absent (a controller from before batches, or before omit_diff) decodes as false
  return { mode, plan, stepBatches: bool(request.acceptsStepBatches, 'acceptsStepBatches'), omitDiff: bool(request.omitDiff, 'omitDiff') };
}

/**
 * The Apply method with bytes in place of objects, the agent's side: the codec above does the
 * request's work, apply-event-codec.ts the events'. (Its handler then receives a Buffer as
 * `call.request` and writes Buffers, whatever the generated types say.)
 */
export function rawApplyMethod<M extends MethodDefinition<object, object>>(method: M): M {
  const passThrough = (bytes: Buffer): Buffer => bytes;
  return { ...method, requestSerialize: passThrough, requestDeserialize: passThrough, responseSerialize: passThrough };
}
