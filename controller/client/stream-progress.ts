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

export class StreamProgress {
  private count = 0;
  private last?: { text: string; at: number };

  constructor(private readonly clock: () => number = Date.now) {}

  saw(event: ApplyEvent): void {
    this.count++;
    this.last = { text: eventText(event), at: this.clock() };
  }

  /** "after 2 events (the last, step add-service tcp 10.0.0.100:80, 3.0 s before)" */
  describe(now: number): string {
    if (!this.last) return 'after the agent accepted the plan, before any event';
    const ago = ((now - this.last.at) / 1000).toFixed(1);
    return `after ${this.count} event${this.count === 1 ? '' : 's'} (the last, ${this.last.text}, ${ago} s before)`;
  }
}
