import assert from 'assert';
import fc from 'fast-check';
import type { ApplyEvent, StepEvent } from '../../../lvs/apply-events';
import { applyEventToWire, decodeApplyEvents, encodeApplyEvent, encodeStepBatch, stepEventToWire } from '../../../lvs/wire/apply-event-codec';
import { WireFieldError } from '../../../lvs/wire/checks';
import { LIMITS } from '../../../lvs/wire/limits';
import { MessageDecodeError } from '../../../lvs/wire/sliced-message-codec';
import type { ApplyEvent as WireApplyEvent } from '../../../proto/generated/lvsctl/v1/ApplyEvent';
import type { StepEvent as WireStepEvent } from '../../../proto/generated/lvsctl/v1/StepEvent';
import { wireMessage } from './wire-messages';

const ApplyEventType = wireMessage('ApplyEvent');
const bytesOf = (wire: WireApplyEvent): Buffer => ApplyEventType.serialize(wire);
const stepBatchToWire = (steps: WireStepEvent[]): WireApplyEvent => ({ steps: { steps } });

function roundTrip(event: ApplyEvent): ApplyEvent[] {
  return decodeApplyEvents(bytesOf(applyEventToWire(event)));
}

const step = (i: number, extra: Partial<StepEvent> = {}): StepEvent => ({
  kind: 'step', action: 'add-destination', target: `tcp 10.0.0.${i % 250}:80 -> 192.168.0.${i % 250}:8080`, status: 'changed', message: `added ${i}`, ...extra,
});

describe('apply events on the wire', () => {
  const events: ApplyEvent[] = [
    { kind: 'step', action: 'add-service', target: 'fwmark 1', status: 'changed', message: 'added' },
    { kind: 'step', action: 'check-arp_ignore', target: 'net.ipv4.conf.all.arp_ignore', status: 'failed', message: 'is 0, want 1', fix: 'sysctl -w net.ipv4.conf.all.arp_ignore=1' },
    { kind: 'diff', subject: 'ipvs', before: '', after: '-A -f 1 -s rr -p 360\n' },
    { kind: 'notice', message: 'tcp 10.0.0.9:22 is not managed by lvsctl; left alone' },
    { kind: 'result', outcome: 'failed', changed: 0, message: 'ipvsadm -R failed', rollback: 'restored 2 services' },
    { kind: 'result', outcome: 'ok', changed: 0, message: '' },
  ];
  for (const event of events) {
    it(`bring a ${event.kind} event across unchanged (${event.kind === 'step' ? event.status : event.kind === 'result' ? event.outcome : event.kind})`, () => {
      assert.deepStrictEqual(roundTrip(event), [event]);
    });
  }

  it('are encoded by the agent to the bytes proto-loader\'s serializer writes, one by one and in a batch', () => {
    const steps = [step(1), step(2, { status: 'failed', fix: 'ipvsadm -a …', message: 'héllo ✓ wörld' }), step(3, { status: 'skipped', message: '', target: '' }), step(4, { status: 'ok' })];
    for (const event of [...events, ...steps]) assert.deepStrictEqual(encodeApplyEvent(event), bytesOf(applyEventToWire(event)));
    assert.deepStrictEqual(encodeStepBatch(steps), bytesOf(stepBatchToWire(steps.map(stepEventToWire))));
    assert.deepStrictEqual(decodeApplyEvents(encodeStepBatch(steps)), steps);
  });

  it('encode any batch of steps to the bytes protobufjs writes, ASCII (the quick path) or not', () => {
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant(''));
    const anyStep = fc.record({
      kind: fc.constant('step' as const), action: text, target: text, message: text,
      status: fc.constantFrom('ok' as const, 'changed' as const, 'failed' as const, 'skipped' as const),
    }).chain((s) => fc.option(text, { nil: undefined }).map((fix): StepEvent => (fix === undefined ? s : { ...s, fix })));
    fc.assert(fc.property(fc.array(anyStep, { minLength: 1, maxLength: 60 }), (steps) => {
      assert.deepStrictEqual(encodeStepBatch(steps), bytesOf(stepBatchToWire(steps.map(stepEventToWire))));
    }), { numRuns: 300 });
    // a batch past 16 KiB: the lengths of the batch and of its steps take more than one varint byte
    const long = Array.from({ length: LIMITS.stepsPerBatch }, (_, i) => step(i, { message: 'x'.repeat(200 + i) }));
    assert.deepStrictEqual(encodeStepBatch(long), bytesOf(stepBatchToWire(long.map(stepEventToWire))));
  });

  it('refuse an event with nothing in it', () => {
    assert.throws(() => decodeApplyEvents(Buffer.alloc(0)), /event: is missing/);
  });

  it('refuse a step with an unspecified status', () => {
    assert.throws(() => decodeApplyEvents(bytesOf({ step: { action: 'a', target: 't', message: 'm' } })), /step\.status: must be one of STEP_STATUS_OK/);
  });

  it('refuse bytes that are not protobuf with a MessageDecodeError', () => {
    assert.throws(() => decodeApplyEvents(Buffer.from([0x0f, 0xff])), (e: unknown) => e instanceof MessageDecodeError);
    // a batch whose length runs past the end
    assert.throws(() => decodeApplyEvents(Buffer.from([0x2a, 0x10, 0x0a])), (e: unknown) => e instanceof MessageDecodeError);
  });

  describe('a batch of steps', () => {
    it('comes out as its steps, in their order, each as it would alone', () => {
      const steps = [step(1), step(2, { status: 'failed', fix: 'ipvsadm -a …', message: 'héllo ✓ wörld' }), step(3, { status: 'skipped', message: '' })];
      const decoded = decodeApplyEvents(bytesOf(stepBatchToWire(steps.map(stepEventToWire))));
      assert.deepStrictEqual(decoded, steps);
      assert.deepStrictEqual(decoded, steps.flatMap(roundTrip));
    });

    it(`takes ${LIMITS.stepsPerBatch} steps and refuses one more, naming the bound`, () => {
      const full = Array.from({ length: LIMITS.stepsPerBatch }, (_, i) => stepEventToWire(step(i)));
      assert.strictEqual(decodeApplyEvents(bytesOf(stepBatchToWire(full))).length, LIMITS.stepsPerBatch);
      const over = [...full, stepEventToWire(step(LIMITS.stepsPerBatch))];
      assert.throws(() => decodeApplyEvents(bytesOf(stepBatchToWire(over))), (e: unknown) =>
        e instanceof WireFieldError && e.message === `steps.steps: a batch may hold at most ${LIMITS.stepsPerBatch} steps; this one holds ${LIMITS.stepsPerBatch + 1}`);
    });

    it('counts a batch that arrives in two pieces of one message as one (protobuf merges them)', () => {
      const half = bytesOf(stepBatchToWire(Array.from({ length: 600 }, (_, i) => stepEventToWire(step(i)))));
      assert.throws(() => decodeApplyEvents(Buffer.concat([half, half])), /at most 1000 steps; this one holds 1200/);
    });

    it('refuses a flood of empty steps from their count, before decoding them', () => {
      // 2 bytes an entry: 4 MiB would otherwise be two million step objects
      const entries = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < entries.length; i += 2) entries[i] = 0x0a;
      const started = process.hrtime.bigint();
      const message = Buffer.concat([Buffer.from([0x2a, 0x80, 0x80, 0x80, 0x02]), entries]);
      assert.throws(() => decodeApplyEvents(message), /this one holds 2097152/);
      assert.ok(process.hrtime.bigint() - started < 2_000_000_000n, 'counted in under 2 s');
    });

    it('refuses an empty batch and a bad step, naming its place in the batch', () => {
      assert.throws(() => decodeApplyEvents(bytesOf({ steps: { steps: [] } })), /steps\.steps: must have at least 1 entry/);
      const bad = [stepEventToWire(step(0)), { action: 'a', target: 't', message: 'm' }];
      assert.throws(() => decodeApplyEvents(bytesOf(stepBatchToWire(bad))), /steps\.steps\[1\]\.status: must be one of STEP_STATUS_OK/);
    });
  });
});
