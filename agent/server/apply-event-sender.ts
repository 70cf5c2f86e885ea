// What an apply emits, onto its stream as bytes. To a controller that takes batches
// (ApplyRequest.accepts_step_batches) consecutive steps go out together as one StepBatch:
// one message and one write instead of 22,000 for a 2,000-service load. A batch ends at
// LIMITS.stepsPerBatch steps or STEP_BATCH_BYTES, before any other event (so the order the
// controller sees is the order emitted), and when the event loop next has its turn: a step
// never waits in the batch while the apply waits on the kernel, and a sliced report
// (lvs/yield-point.ts) sends what each slice made at the end of that slice.
import { eventTextChars, type ApplyEvent, type StepEvent } from '../../lvs/apply-events';
import { encodeApplyEvent, encodeStepBatch } from '../../lvs/wire/apply-event-codec';
import { LIMITS, STEP_BATCH_BYTES } from '../../lvs/wire/limits';

/**
 * A step's encoded size, near enough: its characters, and a few bytes for each tag and
 * length. Exact for ASCII (what steps say); text far from it takes up to 3 bytes a character,
 * still far below MAX_MESSAGE_BYTES. (Buffer.byteLength on every field cost a third of the
 * time spent batching.)
 */
function stepBytes(step: StepEvent): number {
  return 24 + eventTextChars(step);
}

export class ApplyEventSender {
  private batch: StepEvent[] = [];
  private batchBytes = 0;
  private flushQueued = false;

  /** batches: the controller set accepts_step_batches; otherwise one message per event, as before batches */
  constructor(private readonly write: (message: Buffer) => void, private readonly batches: boolean) {}

  send(event: ApplyEvent): void {
    if (!this.batches) return this.write(encodeApplyEvent(event));
    if (event.kind !== 'step') {
      this.flush();
      return this.write(encodeApplyEvent(event));
    }
    const bytes = stepBytes(event);
    if (this.batch.length > 0 && this.batchBytes + bytes > STEP_BATCH_BYTES) this.flush();
    this.batch.push(event);
    this.batchBytes += bytes;
    if (this.batch.length >= LIMITS.stepsPerBatch) return this.flush();
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  /** Sends the steps waiting in the batch, if any. */
  flush(): void {
    if (this.batch.length === 0) return;
    const steps = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.write(encodeStepBatch(steps));
  }
}
