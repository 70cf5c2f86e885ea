// The last N health events of this agent, in memory, oldest first: what a one-shot Health
// report shows and what a watch catches up from. Bounded, so a flapping check cannot grow
// the agent without limit.
import type { HealthEventRecord } from '../../lvs/health/report';

export const DEFAULT_HISTORY_SIZE = 1000;

export class HealthHistory {
  private readonly events: HealthEventRecord[] = [];
  private readonly listeners = new Set<(event: HealthEventRecord) => void>();
  /** how many events were ever recorded: a watch remembers where it was */
  private total = 0;

  constructor(private readonly capacity: number = DEFAULT_HISTORY_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
  }

  record(event: HealthEventRecord): void {
    this.events.push(event);
    if (this.events.length > this.capacity) this.events.shift();
    this.total += 1;
    for (const listener of this.listeners) listener(event);
  }

  /** oldest first */
  recent(): HealthEventRecord[] {
    return [...this.events];
  }

  /** a position to pass to since() later */
  get position(): number {
    return this.total;
  }

  /** the events recorded after `position` that are still kept */
  since(position: number): HealthEventRecord[] {
    const missed = this.total - position;
    if (missed <= 0) return [];
    return this.events.slice(Math.max(0, this.events.length - missed));
  }

  subscribe(listener: (event: HealthEventRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
