// A scheduler for tests: time moves only when the test says so, and every timer due in
// between fires in order, with the promises it starts settled before the next one fires.
import type { Clock } from '../../../agent/clock';

interface Pending {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private timers: Pending[] = [];

  constructor(start = Date.parse('2025-03-01T12:00:00Z')) {
    this.nowMs = start;
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  after(ms: number, fn: () => void): () => void {
    const entry: Pending = { due: this.nowMs + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** timers still waiting to fire */
  pendingCount(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** elapsed time since the start, in ms */
  elapsedSince(start: Date): number {
    return this.nowMs - start.getTime();
  }

  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    for (;;) {
      await settle();
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers
        .filter((t) => t.due <= end)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.nowMs = next.due;
      next.fn();
    }
    this.nowMs = end;
    await settle();
  }
}

/** Lets chains of already-resolved promises run to the end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
