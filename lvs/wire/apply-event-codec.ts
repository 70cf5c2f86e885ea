// ApplyEvent in both directions: the agent encodes what its applier emits; the controller
// decodes what arrives and refuses anything malformed rather than showing garbage. A
// StepBatch (consecutive steps in one message) decodes to its steps, in their order, so the
// controller's report sees the same events whichever form the agent sent.
import { Reader } from 'protobufjs';
import type { ApplyEvent, ResultEvent, StepEvent, StepStatus } from '../apply-events';
import type { ApplyEvent as WireApplyEvent, ApplyEvent__Output } from '../../proto/generated/lvsctl/v1/ApplyEvent';
import type { ResultEvent__Output } from '../../proto/generated/lvsctl/v1/ResultEvent';
import type { StepEvent as WireStepEvent, StepEvent__Output } from '../../proto/generated/lvsctl/v1/StepEvent';
import { boundedList, boundedString, enumValue, fail, intIn, optionalString } from './checks';
import { APPLY_OUTCOME, DIFF_SUBJECT, STEP_STATUS, wireName } from './enum-names';
import { LIMITS } from './limits';
import { agentProtoType, CONVERSION_OPTIONS, enumNumbers, LENGTH_DELIMITED, VARINT } from './proto-types';
import { MessageDecodeError } from './sliced-message-codec';

export function applyEventToWire(event: ApplyEvent): WireApplyEvent {
  switch (event.kind) {
    case 'step':
      return { step: stepEventToWire(event) };
    case 'diff':
      return { diff: { subject: wireName(DIFF_SUBJECT, event.subject), before: event.before, after: event.after } };
    case 'notice':
      return { notice: { message: event.message } };
    case 'result':
      return { result: resultEventToWire(event) };
  }
}

export function stepEventToWire(event: StepEvent): WireStepEvent {
  return { action: event.action, target: event.target, status: wireName(STEP_STATUS, event.status), message: event.message, fix: event.fix ?? '' };
}

/**
 * The agent's side, as bytes (its Apply method sends them as they are, rawApplyMethod): the
 * same bytes as proto-loader's serializer of applyEventToWire, or of a StepBatch of
 * stepEventToWire's. Steps skip
 * that serializer's fromObject, which copies every step into a message object first: for the
 * 220,000 steps of a 20,000-service load that copy cost as much as the encoding.
 */
export function encodeApplyEvent(event: ApplyEvent): Buffer {
  const type = agentProtoType('ApplyEvent');
  const message = event.kind === 'step' ? { step: stepForEncoder(event) } : type.fromObject(applyEventToWire(event));
  return type.encode(message).finish() as Buffer;
}

/**
 * Steps in their order as the bytes of one ApplyEvent (at most LIMITS.stepsPerBatch): the
 * bytes protobufjs's encoder writes. Steps whose text is ASCII (what an apply's steps say)
 * are written as one latin1 string, one character a byte, turned into a Buffer at once:
 * protobufjs measures and writes every string field by itself, and for the 22,000 steps of a
 * 2,000-service load that was most of the apply's `report` part in the lab. Other text goes
 * through protobufjs.
 */
export function encodeStepBatch(steps: readonly StepEvent[]): Buffer {
  const text = asciiStepBatch(steps);
  if (text !== undefined) return Buffer.from(text, 'latin1');
  return agentProtoType('ApplyEvent').encode({ steps: { steps: steps.map(stepForEncoder) } }).finish() as Buffer;
}

const NOT_ASCII = /[^\x00-\x7f]/;

/** The tags of the fields a batch writes, each as the characters of its varint; from agent.proto, read once. */
interface BatchTags { batch: string; entry: string; action: string; target: string; status: string; message: string; fix: string }
let batchTags: BatchTags | undefined;

function tagsOfBatch(): BatchTags {
  const tag = (type: 'ApplyEvent' | 'StepBatch' | 'StepEvent', field: string, wireType: number): string =>
    varintText((agentProtoType(type).fields[field].id << 3) | wireType);
  batchTags ??= {
    batch: tag('ApplyEvent', 'steps', LENGTH_DELIMITED),
    entry: tag('StepBatch', 'steps', LENGTH_DELIMITED),
    action: tag('StepEvent', 'action', LENGTH_DELIMITED),
    target: tag('StepEvent', 'target', LENGTH_DELIMITED),
    status: tag('StepEvent', 'status', VARINT),
    message: tag('StepEvent', 'message', LENGTH_DELIMITED),
    fix: tag('StepEvent', 'fix', LENGTH_DELIMITED),
  };
  return batchTags;
}

/** A varint as characters 0-255 (latin1: one character, one byte). */
function varintText(value: number): string {
  let text = '';
  let rest = value >>> 0;
  while (rest > 0x7f) {
    text += String.fromCharCode((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  return text + String.fromCharCode(rest);
}

/**
 * The batch's bytes as latin1 text, in protobufjs's order (fields by number, every field
 * written, an empty string too), or undefined when some text is not ASCII: then a
 * character's length is not its byte length in UTF-8.
 */
function asciiStepBatch(steps: readonly StepEvent[]): string | undefined {
  const tags = tagsOfBatch();
  const field = (tag: string, value: string): string => tag + varintText(value.length) + value;
  let body = '';
  for (const step of steps) {
    const fix = step.fix ?? '';
    if (NOT_ASCII.test(step.action) || NOT_ASCII.test(step.target) || NOT_ASCII.test(step.message) || NOT_ASCII.test(fix)) return undefined;
    const entry = field(tags.action, step.action) + field(tags.target, step.target) + tags.status + varintText(statusNumber(step.status)) +
      field(tags.message, step.message) + field(tags.fix, fix);
    body += field(tags.entry, entry);
  }
  return field(tags.batch, body);
}

let statusNumbers: ReadonlyMap<StepStatus, number> | undefined;

/** A step as protobufjs's encoder reads it: every field present (as fromObject leaves them), the status as its number. */
function stepForEncoder(event: StepEvent): { action: string; target: string; status: number; message: string; fix: string } {
  return { action: event.action, target: event.target, status: statusNumber(event.status), message: event.message, fix: event.fix ?? '' };
}

function statusNumber(status: StepStatus): number {
  statusNumbers ??= enumNumbers('StepStatus', STEP_STATUS);
  const number = statusNumbers.get(status);
  if (number === undefined) throw new Error(`no wire number for step status ${JSON.stringify(status)}`);
  return number;
}

function resultEventToWire(event: ResultEvent): WireApplyEvent['result'] {
  return {
    outcome: wireName(APPLY_OUTCOME, event.outcome),
    changed: event.changed,
    message: event.message,
    rollback: event.rollback ?? '',
  };
}

const TEXT = { max: LIMITS.eventText, min: 0 };

/**
 * The events one ApplyEvent message holds: one, or a batch's steps in order. A batch of more
 * than LIMITS.stepsPerBatch steps is refused from a count of its entries, before any of them
 * becomes an object (16 MiB of empty steps would be millions). Throws a WireFieldError (a
 * field is wrong: it names it) or a MessageDecodeError (not protobuf).
 */
export function decodeApplyEvents(bytes: Uint8Array): ApplyEvent[] {
  const type = agentProtoType('ApplyEvent');
  const batched = countBatchedSteps(bytes);
  if (batched > LIMITS.stepsPerBatch) {
    fail('steps.steps', `a batch may hold at most ${LIMITS.stepsPerBatch} steps; this one holds ${batched}`);
  }
  let wire: ApplyEvent__Output;
  try {
    wire = type.toObject(type.decode(bytes), CONVERSION_OPTIONS) as ApplyEvent__Output;
  } catch (err) {
    throw new MessageDecodeError('', err instanceof Error ? err.message : String(err));
  }
  if (wire.event === 'steps' && wire.steps) {
    const steps = boundedList(wire.steps.steps, 'steps.steps', LIMITS.stepsPerBatch, 1) as StepEvent__Output[];
    return steps.map((s, i) => stepEventFromWire(s, `steps.steps[${i}]`));
  }
  return [applyEventFromWire(wire)];
}

/** The entries of every StepBatch in the bytes (a field may come more than once: they add up), read without decoding them. */
function countBatchedSteps(bytes: Uint8Array): number {
  const stepsField = agentProtoType('ApplyEvent').fields.steps.id;
  const entryField = agentProtoType('StepBatch').fields.steps.id;
  let count = 0;
  try {
    const reader = Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 !== stepsField || (tag & 7) !== LENGTH_DELIMITED) {
        reader.skipType(tag & 7);
        continue;
      }
      const batch = Reader.create(reader.bytes());
      while (batch.pos < batch.len) {
        const entryTag = batch.uint32();
        if (entryTag >>> 3 === entryField) count++;
        batch.skipType(entryTag & 7);
      }
    }
  } catch (err) {
    throw new MessageDecodeError('', err instanceof Error ? err.message : String(err));
  }
  return count;
}

function applyEventFromWire(wire: ApplyEvent__Output): ApplyEvent {
  if (wire.event === 'step' && wire.step) return stepEventFromWire(wire.step, 'step');
  if (wire.event === 'diff' && wire.diff) {
    return {
      kind: 'diff',
      subject: enumValue(wire.diff.subject, DIFF_SUBJECT, 'diff.subject'),
      before: boundedString(wire.diff.before, 'diff.before', { max: 8 * LIMITS.eventText, min: 0 }),
      after: boundedString(wire.diff.after, 'diff.after', { max: 8 * LIMITS.eventText, min: 0 }),
    };
  }
  if (wire.event === 'notice' && wire.notice) {
    return { kind: 'notice', message: boundedString(wire.notice.message, 'notice.message', TEXT) };
  }
  if (wire.event === 'result' && wire.result) return resultEventFromWire(wire.result);
  fail('event', 'is missing: an apply event is a step, a batch of steps, a diff, a notice or a result');
}

function stepEventFromWire(s: StepEvent__Output, path: string): StepEvent {
  const fix = optionalString(s.fix, `${path}.fix`, TEXT);
  return {
    kind: 'step',
    action: boundedString(s.action, `${path}.action`, TEXT),
    target: boundedString(s.target, `${path}.target`, TEXT),
    status: enumValue(s.status, STEP_STATUS, `${path}.status`),
    message: boundedString(s.message, `${path}.message`, TEXT),
    ...(fix ? { fix } : {}),
  };
}

function resultEventFromWire(r: ResultEvent__Output): ResultEvent {
  const rollback = optionalString(r.rollback, 'result.rollback', TEXT);
  return {
    kind: 'result',
    outcome: enumValue(r.outcome, APPLY_OUTCOME, 'result.outcome'),
    changed: intIn(r.changed, 0, 2 ** 32 - 1, 'result.changed'),
    message: boundedString(r.message, 'result.message', TEXT),
    ...(rollback ? { rollback } : {}),
  };
}
