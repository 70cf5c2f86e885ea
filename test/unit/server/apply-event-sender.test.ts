// How the agent puts an apply's events on its stream (agent/server/apply-event-sender.ts):
// steps in bounded batches to a controller that takes them, every event alone to one that
// does not, and in both cases the events in the order they were emitted.
import assert from 'assert';
import type { ApplyEvent, StepEvent } from '../../../lvs/apply-events';
import { ApplyEventSender } from '../../../agent/server/apply-event-sender';
import { encodeApplyEvent, decodeApplyEvents } from '../../../lvs/wire/apply-event-codec';
import { LIMITS, STEP_BATCH_BYTES } from '../../../lvs/wire/limits';
import { loadAgentProto } from '../../../lvs/wire/proto-loader';
import type { ApplyEvent__Output } from '../../../proto/generated/lvsctl/v1/ApplyEvent';

const step = (i: number, message = `added ${i}`): StepEvent => ({ kind: 'step', action: 'add-destination', target: `tcp 10.0.0.1:80 -> rs${i}`, status: 'changed', message });
const notice = (message: string): ApplyEvent => ({ kind: 'notice', message });
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A sender writing into a list, as the agent's Apply call does; `written` as proto-loader reads the bytes. */
function sender(batches: boolean): { send: ApplyEventSender; written: ApplyEvent__Output[]; bytes: Buffer[]; events: () => ApplyEvent[] } {
  const deserialize = loadAgentProto().lvsctl.v1.Agent.service.Apply.responseDeserialize as (b: Buffer) => ApplyEvent__Output;
  const written: ApplyEvent__Output[] = [];
  const bytes: Buffer[] = [];
  const send = new ApplyEventSender((b) => { bytes.push(b); written.push(deserialize(b)); }, batches);
  return { send, written, bytes, events: () => bytes.flatMap((b) => decodeApplyEvents(b)) };
}

describe('the agent sending an apply\'s events', () => {
  it('sends every event alone to a controller that did not ask for batches', async () => {
    const s = sender(false);
    const emitted = [notice('a'), step(1), step(2), notice('b'), step(3)];
    for (const e of emitted) s.send.send(e);
    await nextTurn();
    assert.deepStrictEqual(s.bytes, emitted.map(encodeApplyEvent));
    assert.ok(s.written.every((w) => w.event !== 'steps'));
    assert.deepStrictEqual(s.events(), emitted);
  });

  it('batches consecutive steps, ending a batch before any other event: the order stays', async () => {
    const s = sender(true);
    const emitted = [notice('first'), step(1), step(2), step(3), { kind: 'diff', subject: 'ipvs', before: '', after: 'x\n' } as ApplyEvent, step(4), notice('last')];
    for (const e of emitted) s.send.send(e);
    assert.deepStrictEqual(s.written.map((w) => w.event), ['notice', 'steps', 'diff', 'steps', 'notice']);
    assert.strictEqual(s.written[1].steps?.steps?.length, 3);
    assert.deepStrictEqual(s.events(), emitted);
  });

  it(`ends a batch at ${LIMITS.stepsPerBatch} steps`, () => {
    const s = sender(true);
    const emitted = Array.from({ length: 2 * LIMITS.stepsPerBatch + 5 }, (_, i) => step(i));
    for (const e of emitted) s.send.send(e);
    s.send.flush();
    assert.deepStrictEqual(s.written.map((w) => w.steps?.steps?.length), [LIMITS.stepsPerBatch, LIMITS.stepsPerBatch, 5]);
    assert.deepStrictEqual(s.events(), emitted);
  });

  it(`ends a batch before it passes ${STEP_BATCH_BYTES / 1024} KiB of mostly ASCII text; a step larger than that goes alone`, () => {
    const s = sender(true);
    const long = (i: number): StepEvent => step(i, `é${'x'.repeat(20_000)} ${i}`); // ~20 KiB each
    const huge = step(99, 'y'.repeat(STEP_BATCH_BYTES + 10));
    const emitted = [...Array.from({ length: 30 }, (_, i) => long(i)), huge, step(100)];
    for (const e of emitted) s.send.send(e);
    s.send.flush();
    for (const b of s.bytes.slice(0, -2)) assert.ok(b.length <= STEP_BATCH_BYTES, `a batch of ${b.length} bytes`);
    assert.ok(s.bytes.length >= 4, `${s.bytes.length} messages`);
    assert.strictEqual(s.written[s.written.length - 2].steps?.steps?.length, 1, 'the huge step alone');
    assert.deepStrictEqual(s.events(), emitted);
  });

  it('sends what waits in the batch once the event loop has its turn (a step never waits on the kernel)', async () => {
    const s = sender(true);
    s.send.send(step(1));
    s.send.send(step(2));
    assert.strictEqual(s.written.length, 0);
    await nextTurn();
    assert.strictEqual(s.written.length, 1);
    assert.deepStrictEqual(s.events(), [step(1), step(2)]);
    s.send.send(step(3));
    await nextTurn();
    assert.deepStrictEqual(s.events(), [step(1), step(2), step(3)]);
    await nextTurn();
    assert.strictEqual(s.written.length, 2, 'nothing more: an empty batch is never sent');
  });
});
