// The last plan as the bytes of an ApplyRequest (what the gRPC Apply call carries), encoded a
// slice of services at a time. proto-loader's serializer takes seconds for 20,000 services x 10;
// in one piece that would stall the agent's event loop after every apply. A repeated field is a
// run of independent (tag, length, bytes) entries, so each slice of services is encoded on its
// own and the entries are spliced into the message's envelope. The result is the very bytes the
// whole message encodes to (test/unit/health-wiring/last-plan-bytes.test.ts holds them equal); an
// envelope of another shape than expected falls back to encoding the whole message.
import type { DirectorPlan, HostPlan } from '../../lvs/host-plan';
import { hostPlanToWire } from '../../lvs/wire/host-plan-encode';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import { yieldToEventLoop } from '../../lvs/yield-point';
import type { ApplyRequest } from '../../proto/generated/lvsctl/v1/ApplyRequest';

/** About 20 ms of encoding each. */
export const SERVICES_PER_SLICE = 100;

function serialize(request: ApplyRequest): Buffer {
  return loadAgentProto().lvsctl.v1.Agent.service.Apply.requestSerialize(request);
}

export async function applyRequestBytes(plan: HostPlan): Promise<Buffer> {
  const whole = (): Buffer => serialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(plan) });
  if (plan.role !== 'director' || plan.services.length <= SERVICES_PER_SLICE) return whole();
  // The envelope: mode, cluster, host, generation and an empty director plan, which comes last.
  const envelope = serialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire({ ...plan, services: [], marks: [] }) });
  const entries: Buffer[] = [];
  for (let i = 0; i < plan.services.length; i += SERVICES_PER_SLICE) {
    const part = directorEntries({ ...plan, services: plan.services.slice(i, i + SERVICES_PER_SLICE), marks: [] });
    if (!part) return whole();
    entries.push(part);
    await yieldToEventLoop();
  }
  // services (field 1) before marks (field 2), the order the whole message is written in
  const marks = directorEntries({ ...plan, services: [], marks: plan.marks });
  if (!marks) return whole();
  entries.push(marks);
  return splice(envelope, Buffer.concat(entries)) ?? whole();
}

/** The bytes inside DirectorPlan for these services and marks: their entries, without any envelope. */
function directorEntries(plan: DirectorPlan): Buffer | undefined {
  const director = hostPlanToWire(plan).director;
  if (!director) return undefined;
  const bytes = serialize({ plan: { director } });
  // { plan: { director: { … } } }: one field holding one field holding the entries
  const [planField] = fieldsOf(bytes) ?? [];
  const [directorField] = planField ? fieldsOf(bytes.subarray(planField.bodyStart, planField.end)) ?? [] : [];
  if (!planField || !directorField || planField.end !== bytes.length) return undefined;
  const planBody = bytes.subarray(planField.bodyStart, planField.end);
  if (directorField.end !== planBody.length) return undefined;
  return planBody.subarray(directorField.bodyStart);
}

/** The envelope with `entries` as the body of its (empty, last) director plan, lengths rewritten. */
function splice(envelope: Buffer, entries: Buffer): Buffer | undefined {
  const top = fieldsOf(envelope);
  const planField = top?.[top.length - 1];
  if (!planField || planField.wireType !== 2 || planField.end !== envelope.length) return undefined;
  const planBody = envelope.subarray(planField.bodyStart);
  const inner = fieldsOf(planBody);
  const directorField = inner?.[inner.length - 1];
  if (!directorField || directorField.wireType !== 2 || directorField.bodyStart !== planBody.length) return undefined;
  const newPlanBody = Buffer.concat([
    planBody.subarray(0, directorField.tagEnd),
    varint(entries.length),
    entries,
  ]);
  return Buffer.concat([envelope.subarray(0, planField.tagEnd), varint(newPlanBody.length), newPlanBody]);
}

interface Field {
  wireType: number;
  /** where the tag ends and the length (or the value) begins */
  tagEnd: number;
  /** where a length-delimited field's bytes begin */
  bodyStart: number;
  end: number;
}

/** The top-level fields of a message (varint and length-delimited only), or undefined for anything else. */
function fieldsOf(bytes: Uint8Array): Field[] | undefined {
  const fields: Field[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = readVarint(bytes, at);
    if (!tag) return undefined;
    const wireType = tag.value % 8;
    const value = readVarint(bytes, tag.end);
    if (!value) return undefined;
    if (wireType === 0) {
      fields.push({ wireType, tagEnd: tag.end, bodyStart: value.end, end: value.end });
      at = value.end;
    } else if (wireType === 2) {
      const end = value.end + value.value;
      if (end > bytes.length) return undefined;
      fields.push({ wireType, tagEnd: tag.end, bodyStart: value.end, end });
      at = end;
    } else {
      return undefined;
    }
  }
  return fields;
}

function readVarint(bytes: Uint8Array, start: number): { value: number; end: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let at = start; at < bytes.length && at < start + 10; at++) {
    value += (bytes[at] & 0x7f) * scale;
    if ((bytes[at] & 0x80) === 0) return { value, end: at + 1 };
    scale *= 128;
  }
  return undefined;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
