// How far an apply stream got, for the message when it stops: how many events, the last
// one and how long ago it came.
import type { ApplyEvent } from '../../lvs/apply-events';

function eventText(event: ApplyEvent): string {
  switch (event.kind) {
    case 'step': return `step ${event.action} ${event.target}`;
    case 'diff': return `diff of ${event.subject}`;
    case 'notice': return 'notice';
    case 'result': return 'result';
  }
}

/**
 * Events come in bursts (22,000 steps of a 2,000-service apply): the clock is read once per
 * turn of the event loop, not per event (a system call each in the lab's user-mode Linux),
 * and the last event's text is made only when a message needs it.
 */
export class StreamProgress {
  private count = 0;
  private last?: ApplyEvent;
  private lastAt = 0;
  private stampedThisTurn = false;

  constructor(private readonly clock: () => number = Date.now) {}

  /** how many events came */
  get events(): number {
    return this.count;
  }

  saw(event: ApplyEvent): void {
    this.count++;
    this.last = event;
    if (this.stampedThisTurn) return;
    this.lastAt = this.clock();
    this.stampedThisTurn = true;
    setImmediate(() => { this.stampedThisTurn = false; });
  }

  /** "after 2 events (the last, step add-service tcp 10.0.0.100:80, 3.0 s before)" */
  describe(now: number): string {
    if (!this.last) return 'after the agent accepted the plan, before any event';
    const ago = ((now - this.lastAt) / 1000).toFixed(1);
    return `after ${this.count} event${this.count === 1 ? '' : 's'} (the last, ${eventText(this.last)}, ${ago} s before)`;
  }
}
