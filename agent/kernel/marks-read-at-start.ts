// The mangle table read once in the background as the agent starts serving. Its first apply
// must look for a chain left by an agent killed between its chain swap and its ownership file
// (docs/director.md, step 3); reading then costs a process (about 0.5 s in the lab's kernel)
// inside the apply. With this reading taken beforehand, an apply for which no mark can matter
// uses it instead, when it is finished and succeeded (a failed one is as if never taken: the
// apply reads as before). What could change the owned chain between the start and that apply
// is only a person by hand: the same risk every later apply, which does not read it, accepts.
import type { MarkState } from '../../lvs/mark-state';
import type { MarkRule } from '../../lvs/model';
import type { Marks } from './marks';

export class MarksReadAtStart implements Marks {
  /** the reading, undefined when it failed; absent before start() and once handed out or made stale */
  private reading: Promise<MarkState | undefined> | undefined;

  constructor(private readonly door: Marks) {}

  /** Starts the one reading at start; `failed` hears why it could not be taken (the first apply then reads itself). */
  start(failed: (error: unknown) => void): void {
    this.reading ??= this.door.read().catch((error: unknown) => {
      failed(error);
      return undefined;
    });
  }

  /**
   * The reading taken at start, once (waiting for it to finish when still under way); undefined
   * when it was never started, failed, was handed out already, or a write through this door
   * since may have made it stale.
   */
  readingAtStart(): Promise<MarkState | undefined> {
    const reading = this.reading ?? Promise.resolve(undefined);
    this.reading = undefined;
    return reading;
  }

  read(): Promise<MarkState> {
    return this.door.read();
  }

  replaceOwnedChain(rules: MarkRule[]): Promise<void> {
    this.reading = undefined;
    return this.door.replaceOwnedChain(rules);
  }

  removeOwnedChain(): Promise<void> {
    this.reading = undefined;
    return this.door.removeOwnedChain();
  }

  restoreChain(snapshot: MarkState): Promise<void> {
    this.reading = undefined;
    return this.door.restoreChain(snapshot);
  }
}
